"""The license register: the open licenses (SPDX, kept by ``catalog.licenses`` for dataset
validation) and our agreement templates for conditional data, listed together."""

from __future__ import annotations

from dataclasses import dataclass

from catalog.licenses import OPEN_LICENSES, OpenLicense
from licensing.errors import AgreementInvalid

# New agreements use the latest version; older ones stay renderable (their reading aid).
AUTHORIZED_OPERATION = "shudu-authorized-operation-1.1"
LANGUAGES = ("zh", "en")


@dataclass(frozen=True, slots=True)
class AgreementTemplate:
    id: str
    version: str
    title_zh: str
    title_en: str
    languages: tuple[str, ...] = LANGUAGES
    # A superseded version still renders (agreements made from it keep their reading aid) but
    # is no longer offered, so the register leaves it out.
    superseded: bool = False

    def title(self, language: str) -> str:
        return self.title_zh if language == "zh" else self.title_en


TEMPLATES: dict[str, AgreementTemplate] = {
    t.id: t
    for t in (
        AgreementTemplate(
            "shudu-authorized-operation-1.0",
            "1.0",
            "公共数据授权运营协议",
            "Public Data Authorized Operation Agreement",
            superseded=True,
        ),
        AgreementTemplate(
            AUTHORIZED_OPERATION,
            "1.1",
            "公共数据授权运营协议",
            "Public Data Authorized Operation Agreement",
        ),
    )
}


@dataclass(frozen=True, slots=True)
class LicenseEntry:
    """One line of the register, whichever kind."""

    id: str
    kind: str  # "open" (SPDX) | "agreement" (a template for conditional data)
    title_zh: str
    title_en: str
    url: str | None = None

    def title(self, language: str) -> str:
        return self.title_zh if language == "zh" else self.title_en


def open_license(license_id: str) -> OpenLicense | None:
    return OPEN_LICENSES.get(license_id)


def agreement_template(template_id: str) -> AgreementTemplate:
    found = TEMPLATES.get(template_id)
    if found is None:
        known = ", ".join(sorted(TEMPLATES))
        raise AgreementInvalid(
            [("template_id", f"unknown template {template_id!r}; one of {known}")]
        )
    return found


def license_register() -> list[LicenseEntry]:
    """Every license: the open ones by id, then the agreement templates by id."""
    entries = [
        LicenseEntry(lic.id, "open", lic.title_zh, lic.title, lic.url)
        for lic in sorted(OPEN_LICENSES.values(), key=lambda lic: lic.id)
    ]
    entries += [
        LicenseEntry(t.id, "agreement", t.title_zh, t.title_en)
        for t in sorted(TEMPLATES.values(), key=lambda t: t.id)
        if not t.superseded
    ]
    return entries

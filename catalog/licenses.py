"""The register of open licenses datasets may carry (SPDX identifiers).

Open datasets must name one of these. Conditional datasets are licensed through the
exchange's agreements instead (``licensing/``), so they carry no open license.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class OpenLicense:
    id: str
    title: str
    title_zh: str
    url: str
    attribution: bool
    share_alike: bool


OPEN_LICENSES: dict[str, OpenLicense] = {
    lic.id: lic
    for lic in (
        OpenLicense(
            "CC0-1.0",
            "Creative Commons Zero v1.0 Universal",
            "CC0 1.0 公共领域贡献",
            "https://creativecommons.org/publicdomain/zero/1.0/",
            False,
            False,
        ),
        OpenLicense(
            "CC-BY-4.0",
            "Creative Commons Attribution 4.0 International",
            "知识共享署名 4.0 国际",
            "https://creativecommons.org/licenses/by/4.0/",
            True,
            False,
        ),
        OpenLicense(
            "CC-BY-SA-4.0",
            "Creative Commons Attribution Share Alike 4.0 International",
            "知识共享署名-相同方式共享 4.0 国际",
            "https://creativecommons.org/licenses/by-sa/4.0/",
            True,
            True,
        ),
        OpenLicense(
            "ODC-BY-1.0",
            "Open Data Commons Attribution License v1.0",
            "开放数据共享署名许可 1.0",
            "https://opendatacommons.org/licenses/by/1-0/",
            True,
            False,
        ),
        OpenLicense(
            "ODbL-1.0",
            "Open Data Commons Open Database License v1.0",
            "开放数据库许可 1.0",
            "https://opendatacommons.org/licenses/odbl/1-0/",
            True,
            True,
        ),
        OpenLicense(
            "PDDL-1.0",
            "Open Data Commons Public Domain Dedication & License 1.0",
            "开放数据共享公共领域贡献与许可 1.0",
            "https://opendatacommons.org/licenses/pddl/1-0/",
            False,
            False,
        ),
    )
}

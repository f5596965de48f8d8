"""What clients send to the exchange (validated at the edge; rules live in the services)."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

Short = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, max_length=5000)]
# What a reviewer must be able to read: an application without it is refused.
Stated = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=5000)]
Named = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]


class ProductCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    dataset: Name
    title: Annotated[str, StringConstraints(strip_whitespace=True, max_length=300)] = ""
    description: Text = ""
    compliance_review: bool = False


class OfferCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
    policy: dict[str, Any]
    price_plan: dict[str, Any]
    duration_days: Annotated[int, Field(ge=1, le=3650)] = 365


class ApplicationCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    offer_id: str
    organization: Name | None = None  # which enterprise, when the caller belongs to several
    purpose_code: Annotated[str, StringConstraints(min_length=1, max_length=50)]
    purpose_text: Text = ""
    usage_scenario: Stated
    security_measures: Stated
    contact_name: Named
    contact_email: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=3, max_length=254)
    ]
    contact_phone: Annotated[str, StringConstraints(strip_whitespace=True, max_length=50)] = ""
    client_ids: Annotated[
        list[Annotated[str, StringConstraints(max_length=64)]], Field(max_length=20)
    ] = Field(default_factory=list)


class Decision(BaseModel):
    """A review step; rejections need reason codes (REJECTION_REASONS) and text. An approval
    may set conditions, clauses that the agreement then carries."""

    model_config = ConfigDict(extra="forbid")

    reason_codes: Annotated[
        list[Annotated[str, StringConstraints(max_length=50)]], Field(max_length=10)
    ] = Field(default_factory=list)
    reason_text: Text = ""
    conditions: Annotated[
        list[Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)]],
        Field(max_length=10),
    ] = Field(default_factory=list)


class Acceptance(BaseModel):
    model_config = ConfigDict(extra="forbid")

    hash: Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]


class EntitlementChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]


class Renewal(BaseModel):
    model_config = ConfigDict(extra="forbid")

    days: Annotated[int, Field(ge=1, le=3650)]


class RenewalRequest(BaseModel):
    """The enterprise asks its provider to renew a licence by ``days``."""

    model_config = ConfigDict(extra="forbid")

    days: Annotated[int, Field(ge=1, le=3650)]
    note: Text = ""


class ClientsUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    client_ids: Annotated[
        list[Annotated[str, StringConstraints(max_length=64)]], Field(min_length=1, max_length=20)
    ]


class UsageReportCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    period_start: str
    period_end: str
    use: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=5000)]
    results: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=5000)]
    benefit: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=5000)]


class DeletionCertificateCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    statement: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=5000)
    ]
    method: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]
    deleted_at: str


class StatementIssue(BaseModel):
    model_config = ConfigDict(extra="forbid")

    organization: Name
    month: Annotated[str, StringConstraints(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")]

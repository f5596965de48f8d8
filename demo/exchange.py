"""The demo's licensed example: ``demo-enterprise`` holds an active entitlement to one conditional
table whose policy allows only some of its fields, walked through the real services (listing,
application, both reviews, agreement accepted by both parties), so every step is in the ledger.

``seed_exchange_demo`` returns the credentials ``shudu demo`` writes to
``$SHUDU_DATA_DIR/demo-credentials.json``.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog.datastore.fields import Field
from catalog.datastore.models import DatastoreTable
from catalog.models import Dataset, DatasetState, Grade, OpenLevel, Resource
from core.identity.models import Organization, OrgKind, Role, User
from core.identity.oauth import OAuthClientService
from core.identity.principal import Principal
from core.identity.services import OrganizationService, UserService
from exchange.entitlements import EntitlementService
from exchange.schemas import ApplicationCreate, Decision, OfferCreate, ProductCreate
from exchange.services import ApplicationService, ProductService
from exchange.states import Action

ENTERPRISE = "demo-enterprise"
CLIENT_SCOPE = "datastore:read catalog:read"


def _pick(session: Session) -> tuple[Dataset, Resource, list[Field]]:
    """The first published, general-grade conditional dataset with a loaded table of 3+ fields."""
    rows = session.execute(
        select(Dataset, Resource, DatastoreTable)
        .join(Resource, Resource.dataset_id == Dataset.id)
        .join(DatastoreTable, DatastoreTable.resource_id == Resource.id)
        .where(
            Dataset.open_level == OpenLevel.CONDITIONAL,
            Dataset.state == DatasetState.PUBLISHED,
            Dataset.grade == Grade.GENERAL,
            DatastoreTable.table_name.is_not(None),
        )
        .order_by(Dataset.name)
    ).all()
    for dataset, resource, table in rows:
        fields = [Field.from_json(f) for f in table.fields]
        if len(fields) >= 3:
            return dataset, resource, fields
    raise LookupError("the demo has no loaded conditional table to license")


def _member_of(session: Session, org: Organization, role: Role, password: str) -> User:
    users = UserService(session)
    email = f"{role.value}@{org.name}.demo.shudu.example"
    user = session.scalar(select(User).where(User.email == email))
    if user is None:
        user = users.create(email, password)
        OrganizationService(session).add_member(org, user, role)
        session.flush()
        session.refresh(user)
    return user


def _org(session: Session, name: str, kind: OrgKind, zh: str, en: str) -> Organization:
    found = session.scalar(select(Organization).where(Organization.name == name))
    if found is None:
        found = OrganizationService(session).create(name, kind, title_zh=zh, title_en=en)
    return found


def _as(user: User) -> Principal:
    return Principal.for_user(user, can_write=True, via="demo")


def seed_exchange_demo(session: Session, password: str) -> dict[str, Any]:
    dataset, resource, fields = _pick(session)
    # Allow about half of the fields (at least two, never all): the rest are refused.
    allowed = [f.id for f in fields[: max(2, len(fields) // 2)]]
    enterprise = _org(session, ENTERPRISE, OrgKind.ENTERPRISE, "演示企业", "Demo Enterprise")
    exchange = _org(session, "shudu-data-exchange", OrgKind.EXCHANGE, "数都数据交易所", "Exchange")
    member = _member_of(session, enterprise, Role.MEMBER, password)
    reviewer = _member_of(session, exchange, Role.REVIEWER, password)
    publisher = _member_of(session, dataset.organization, Role.PUBLISHER, password)

    issued = OAuthClientService(session).create(
        _as(member),
        name="Demo analytics",
        grant_types=["client_credentials"],
        scope=CLIENT_SCOPE,
        organization=enterprise,
    )
    products = ProductService(session, _as(publisher))
    product = products.list_product(
        ProductCreate(dataset=dataset.name, title=dataset.title_zh, compliance_review=True)
    )
    policy = {
        "permission": [
            {
                "action": "use",
                "constraint": [
                    {"leftOperand": "shudu:fields", "operator": "isAnyOf", "rightOperand": allowed},
                    {"leftOperand": "shudu:callsPerDay", "operator": "lteq", "rightOperand": 1000},
                ],
            }
        ],
        "obligation": [
            {
                "action": "shudu:reportUsage",
                "constraint": [
                    {"leftOperand": "timeInterval", "operator": "eq", "rightOperand": "P30D"}
                ],
            },
            {"action": "delete"},
        ],
    }
    offer = products.add_offer(
        product.id,
        OfferCreate(
            name="标准授权 Standard",
            policy=policy,
            price_plan={"kind": "per_call", "unit_price": "0.02"},
            duration_days=365,
        ),
    )
    applicant = ApplicationService(session, _as(member))
    provider = ApplicationService(session, _as(publisher))
    application = applicant.create(
        ApplicationCreate(
            offer_id=str(offer.id),
            purpose_code="market_analysis",
            purpose_text="演示：商业选址分析 / demo: site analysis",
            usage_scenario="Aggregated indicators for a retail site-selection dashboard",
            security_measures="Encrypted at rest, named analysts only, access logged",
            contact_name="演示联系人",
            contact_email=member.email,
            client_ids=[issued.client.client_id],
        )
    )
    none = Decision()
    applicant.act(application.id, Action.SUBMIT, none)
    provider.act(application.id, Action.START_REVIEW, none)
    provider.act(application.id, Action.PROVIDER_APPROVE, none)
    ApplicationService(session, _as(reviewer)).act(application.id, Action.COMPLIANCE_APPROVE, none)
    provider.act(application.id, Action.ISSUE_AGREEMENT, none)
    agreement = provider.agreement_of(application)
    assert agreement is not None
    applicant.accept(application.id, agreement.hash)
    provider.accept(application.id, agreement.hash)
    assert EntitlementService(session, _as(member)).visible()
    return {
        "client_id": issued.client.client_id,
        "client_secret": issued.secret,
        "dataset": dataset.name,
        "resource": str(resource.id),
        "allowed_fields": allowed,
        "accounts": {
            "enterprise": member.email,
            "publisher": publisher.email,
            "reviewer": reviewer.email,
        },
    }

"""An exchange world for tests: a department with a conditional table, an enterprise with an
OAuth client, the exchange's reviewer and a regulator; and the whole road to an entitlement,
walked through the real services."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from catalog.filestore import FileStore
from catalog.models import Dataset
from core.identity.models import Organization, OrgKind, Role, User
from core.identity.oauth import OAuthClientService
from core.identity.principal import Principal
from exchange.entitlements import EntitlementService
from exchange.models import Application, Entitlement, Offer, Product
from exchange.schemas import ApplicationCreate, Decision, OfferCreate, ProductCreate
from exchange.services import ApplicationService, ProductService
from exchange.states import Action
from tests.factories import make_dataset, make_member, make_org, principal_of
from tests.factories.datastore import load, upload

TABLE = (
    b"id,district,category,name,phone,amount\n"
    b"1,Pudong,food,Zhang San,13800000001,10\n"
    b"2,Pudong,retail,Li Si,13800000002,20\n"
    b"3,Xuhui,food,Wang Wu,13800000003,30\n"
    b"4,Jingan,food,Zhao Liu,13800000004,40\n"
    b"5,Xuhui,retail,Qian Qi,13800000005,50\n"
    b"6,Pudong,food,Sun Ba,13800000006,60\n"
)
ALLOWED_FIELDS = ["district", "category", "amount", "phone"]


def policy(**extra: Any) -> dict[str, Any]:
    """Read only some fields, phone masked, two districts, a few calls and rows."""
    constraints = [
        {
            "leftOperand": "purpose",
            "operator": "isAnyOf",
            "rightOperand": ["credit_assessment", "market_analysis"],
        },
        {"leftOperand": "shudu:fields", "operator": "isAnyOf", "rightOperand": ALLOWED_FIELDS},
        {"leftOperand": "shudu:maskedFields", "operator": "isAllOf", "rightOperand": ["phone"]},
        {
            "leftOperand": "shudu:rowFilter",
            "operator": "eq",
            "rightOperand": {"district": ["Pudong", "Xuhui"]},
        },
        {
            "leftOperand": "shudu:callsPerDay",
            "operator": "lteq",
            "rightOperand": extra.get("calls", 1000),
        },
        {
            "leftOperand": "shudu:rowsPerMonth",
            "operator": "lteq",
            "rightOperand": extra.get("rows", 100000),
        },
    ]
    return {
        "permission": [{"action": extra.get("action", "read"), "constraint": constraints}],
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


PRICE = {"kind": "per_call", "unit_price": "0.05"}


@dataclass
class World:
    dept: Organization
    publisher: User
    enterprise: Organization
    member: User
    reviewer: User
    regulator: User
    outsider: User  # a member of another enterprise
    dataset: Dataset
    resource_id: str
    client_id: str
    client_secret: str
    other_client_id: str
    other_client_secret: str

    def as_(self, user: User) -> Principal:
        return principal_of(user)


def make_world(session: Session, files: FileStore, *, grade: str = "general") -> World:
    dept = make_org(session, OrgKind.DEPARTMENT)
    publisher = make_member(session, dept, Role.PUBLISHER)
    enterprise = make_org(session, OrgKind.ENTERPRISE)
    member = make_member(session, enterprise, Role.MEMBER)
    other = make_org(session, OrgKind.ENTERPRISE)
    outsider = make_member(session, other, Role.MEMBER)
    exchange = make_org(session, OrgKind.EXCHANGE)
    reviewer = make_member(session, exchange, Role.REVIEWER)
    regulator_org = make_org(session, OrgKind.REGULATOR)
    regulator = make_member(session, regulator_org, Role.REGULATOR)
    dataset = make_dataset(session, dept, publisher, open_level="conditional", grade=grade)
    resource = upload(session, files, dataset, publisher, TABLE)
    load(session, files, resource)
    clients = OAuthClientService(session)
    mine = clients.create(
        principal_of(member),
        name="Analytics",
        grant_types=["client_credentials"],
        scope="datastore:read catalog:read",
        organization=enterprise,
    )
    theirs = clients.create(
        principal_of(outsider),
        name="Other",
        grant_types=["client_credentials"],
        scope="datastore:read catalog:read",
        organization=other,
    )
    session.flush()
    assert mine.secret is not None
    assert theirs.secret is not None
    return World(
        dept=dept,
        publisher=publisher,
        enterprise=enterprise,
        member=member,
        reviewer=reviewer,
        regulator=regulator,
        outsider=outsider,
        dataset=dataset,
        resource_id=str(resource.id),
        client_id=mine.client.client_id,
        client_secret=mine.secret,
        other_client_id=theirs.client.client_id,
        other_client_secret=theirs.secret,
    )


def list_product(session: Session, world: World, **policy_args: Any) -> tuple[Product, Offer]:
    products = ProductService(session, world.as_(world.publisher))
    product = products.list_product(ProductCreate(dataset=world.dataset.name))
    offer = products.add_offer(
        product.id, OfferCreate(name="Standard", policy=policy(**policy_args), price_plan=PRICE)
    )
    return product, offer


def apply(session: Session, world: World, offer: Offer) -> Application:
    return ApplicationService(session, world.as_(world.member)).create(
        ApplicationCreate(
            offer_id=str(offer.id),
            purpose_code="credit_assessment",
            usage_scenario="Scoring small shops for micro-loans",
            security_measures="Encrypted storage, access logs, named staff only",
            contact_name="Chen",
            contact_email="chen@example.org",
            client_ids=[world.client_id],
        )
    )


def activate(session: Session, world: World, **policy_args: Any) -> Entitlement:
    """Listing → application → reviews → agreement → both accept → entitlement."""
    _product, offer = list_product(session, world, **policy_args)
    application = apply(session, world, offer)
    enterprise = ApplicationService(session, world.as_(world.member))
    provider = ApplicationService(session, world.as_(world.publisher))
    reviewer = ApplicationService(session, world.as_(world.reviewer))
    none = Decision()
    enterprise.act(application.id, Action.SUBMIT, none)
    provider.act(application.id, Action.START_REVIEW, none)
    provider.act(application.id, Action.PROVIDER_APPROVE, none)
    if application.compliance_required:
        reviewer.act(application.id, Action.COMPLIANCE_APPROVE, none)
    provider.act(application.id, Action.ISSUE_AGREEMENT, none)
    agreement = provider.agreement_of(application)
    assert agreement is not None
    enterprise.accept(application.id, agreement.hash)
    provider.accept(application.id, agreement.hash)
    entitlements = EntitlementService(session, world.as_(world.member)).visible()
    assert len(entitlements) == 1
    return entitlements[0]

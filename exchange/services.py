"""Products, offers, applications and agreements: the road from a listing to an entitlement.

Every step is checked against the state machine (``exchange.states``) and the caller's role
(``exchange.roles``), and is appended to the audit ledger in the same transaction.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import Session

from catalog.models import Dataset, Grade, OpenLevel
from core import jsonutil, ledger
from core.clock import utcnow
from core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from core.identity.models import Organization
from core.identity.oauth_models import OAuthClient
from core.identity.principal import Principal
from core.ledger import LedgerEntry
from exchange import roles, terms
from exchange.entitlements import EntitlementService
from exchange.models import Agreement, Application, ApplicationState, Offer, Product
from exchange.schemas import ApplicationCreate, Decision, OfferCreate, ProductCreate
from exchange.states import ACTOR, Action, Who, next_application_state

# How long each stage may take before it is overdue (shown to everyone involved).
STAGE_DAYS = {
    ApplicationState.SUBMITTED: 5,
    ApplicationState.PROVIDER_REVIEW: 10,
    ApplicationState.COMPLIANCE_REVIEW: 10,
    ApplicationState.APPROVED: 5,
    ApplicationState.AGREEMENT_PENDING: 15,
}
REJECTION_REASONS = {
    "purpose_not_allowed": ("用途不符合授权范围", "the purpose is outside what may be licensed"),
    "insufficient_security": ("安全保护措施不足", "the security measures are insufficient"),
    "incomplete_application": ("申请材料不完整", "the application is incomplete"),
    "applicant_not_qualified": ("申请主体资质不符", "the applicant is not qualified"),
    "data_risk": ("数据安全风险过高", "the risk to the data is too high"),
    "other": ("其他", "other (see the text)"),
}


def parse_id(raw: str, what: str) -> uuid.UUID:
    try:
        return uuid.UUID(raw)
    except ValueError:
        raise NotFound(f"No such {what}") from None


class ProductService:
    def __init__(self, session: Session, principal: Principal) -> None:
        self.session = session
        self.principal = principal

    def list_product(self, data: ProductCreate) -> Product:
        roles.require_writer(self.principal)
        dataset = self.session.scalar(select(Dataset).where(Dataset.name == data.dataset))
        if dataset is None:
            raise NotFound(f"No dataset named {data.dataset!r}")
        if not roles.is_provider_of(self.principal, dataset.organization_id):
            raise PermissionDenied("Only publishers of the dataset's department list it")
        if dataset.open_level is not OpenLevel.CONDITIONAL:
            raise ValidationFailed(
                "Only conditional datasets are licensed through the exchange",
                {"dataset": [f"open_level is {dataset.open_level.value}, not conditional"]},
            )
        if self.session.scalar(select(Product.id).where(Product.dataset_id == dataset.id)):
            raise Conflict(f"{dataset.name} is already listed; add an offer to its product")
        product = Product(
            dataset_id=dataset.id,
            organization_id=dataset.organization_id,
            title=data.title or dataset.title_zh or dataset.name,
            description=data.description,
            # Important data always goes through the exchange's compliance review (§2).
            compliance_review=data.compliance_review or dataset.grade is Grade.IMPORTANT,
            created_by=self.principal.user_id,
        )
        self.session.add(product)
        self.session.flush()
        ledger.append(
            self.session,
            "exchange.product.listed",
            actor=self.principal.user_id,
            org=product.organization_id,
            subject=f"product:{product.id}",
            data={"dataset": dataset.name, "compliance_review": product.compliance_review},
        )
        return product

    def add_offer(self, product_id: uuid.UUID, data: OfferCreate) -> Offer:
        roles.require_writer(self.principal)
        product = self.get(product_id)
        if not roles.is_provider_of(self.principal, product.organization_id):
            raise PermissionDenied("Only publishers of the dataset's department add offers")
        policy = terms.validate_policy(data.policy)
        plan = terms.validate_price_plan(data.price_plan)
        offer = Offer(
            product_id=product.id,
            name=data.name,
            policy=policy,
            price_plan=plan,
            duration_days=data.duration_days,
        )
        self.session.add(offer)
        self.session.flush()
        ledger.append(
            self.session,
            "exchange.offer.created",
            actor=self.principal.user_id,
            org=product.organization_id,
            subject=f"offer:{offer.id}",
            data={
                "product": str(product.id),
                "policy_hash": terms.policy_hash(policy),
                "price_plan": plan,
                "duration_days": offer.duration_days,
            },
        )
        return offer

    def get(self, product_id: uuid.UUID) -> Product:
        product = self.session.get(Product, product_id)
        if product is None or not (product.listed or self._manages(product)):
            raise NotFound("No such product")
        return product

    def _manages(self, product: Product) -> bool:
        return roles.is_provider_of(self.principal, product.organization_id) or (
            roles.reads_everything(self.principal)
        )

    def for_dataset(self, dataset_id: uuid.UUID) -> Product | None:
        product = self.session.scalar(select(Product).where(Product.dataset_id == dataset_id))
        if product is None or not (product.listed or self._manages(product)):
            return None
        return product

    def listed(self, organization_id: uuid.UUID | None = None) -> list[Product]:
        query = select(Product).where(Product.listed.is_(True))
        if organization_id is not None:
            query = query.where(Product.organization_id == organization_id)
        return list(self.session.scalars(query.order_by(Product.created_at)))

    def offer_counts(self, dataset_names: list[str]) -> dict[str, int]:
        """Active offers of listed products, by dataset name (for search hits)."""
        if not dataset_names:
            return {}
        rows = self.session.execute(
            select(Dataset.name, func.count(Offer.id))
            .join(Product, Product.dataset_id == Dataset.id)
            .join(Offer, Offer.product_id == Product.id)
            .where(
                Dataset.name.in_(dataset_names),
                Product.listed.is_(True),
                Offer.active.is_(True),
            )
            .group_by(Dataset.name)
        ).all()
        return {name: int(count) for name, count in rows}

    def offer(self, offer_id: uuid.UUID) -> Offer:
        offer = self.session.get(Offer, offer_id)
        if offer is None:
            raise NotFound("No such offer")
        self.get(offer.product_id)
        return offer


class ApplicationService:
    def __init__(self, session: Session, principal: Principal) -> None:
        self.session = session
        self.principal = principal

    # -- reading ----------------------------------------------------------------------------

    def _visible(self) -> ColumnElement[bool]:
        if roles.reads_everything(self.principal):
            return Application.id.is_not(None)
        mine = Application.organization_id.in_(roles.enterprise_org_ids(self.principal))
        provided = Application.offer_id.in_(
            select(Offer.id)
            .join(Product, Offer.product_id == Product.id)
            .where(Product.organization_id.in_(self.principal.publisher_org_ids))
        )
        return or_(mine, provided)

    def get(self, application_id: uuid.UUID) -> Application:
        found = self.session.scalar(
            select(Application).where(Application.id == application_id, self._visible())
        )
        if found is None:
            raise NotFound("No such application")
        return found

    def mine(self) -> list[Application]:
        orgs = roles.enterprise_org_ids(self.principal)
        query = select(Application).where(Application.organization_id.in_(orgs))
        return list(self.session.scalars(query.order_by(Application.created_at.desc())))

    def provider_queue(self) -> list[Application]:
        query = (
            select(Application)
            .join(Offer, Application.offer_id == Offer.id)
            .join(Product, Offer.product_id == Product.id)
            .where(
                Product.organization_id.in_(self.principal.publisher_org_ids),
                Application.state.in_(
                    (
                        ApplicationState.SUBMITTED,
                        ApplicationState.PROVIDER_REVIEW,
                        ApplicationState.APPROVED,
                        ApplicationState.AGREEMENT_PENDING,
                    )
                ),
            )
        )
        return list(self.session.scalars(query.order_by(Application.deadline)))

    def compliance_queue(self) -> list[Application]:
        if not roles.is_compliance_reviewer(self.principal):
            raise PermissionDenied("Only the exchange's compliance reviewers see this queue")
        query = select(Application).where(Application.state == ApplicationState.COMPLIANCE_REVIEW)
        return list(self.session.scalars(query.order_by(Application.deadline)))

    def agreement_of(self, application: Application) -> Agreement | None:
        return self.session.scalar(
            select(Agreement).where(Agreement.application_id == application.id)
        )

    # -- writing ----------------------------------------------------------------------------

    def _enterprise(self, name: str | None) -> Organization:
        orgs = roles.enterprise_org_ids(self.principal)
        if not orgs:
            raise PermissionDenied("Only members of an enterprise apply for licensed data")
        if name is None:
            if len(orgs) > 1:
                raise ValidationFailed(
                    "You belong to several enterprises", {"organization": ["name one"]}
                )
            org = self.session.get(Organization, next(iter(orgs)))
        else:
            org = self.session.scalar(select(Organization).where(Organization.name == name))
            if org is None or org.id not in orgs:
                raise PermissionDenied(f"You do not act for an enterprise named {name!r}")
        assert org is not None
        return org

    def check_clients(self, organization_id: uuid.UUID, client_ids: list[str]) -> list[str]:
        wanted = sorted(set(client_ids))
        if not wanted:
            return []
        owned = set(
            self.session.scalars(
                select(OAuthClient.client_id).where(
                    OAuthClient.client_id.in_(wanted),
                    OAuthClient.organization_id == organization_id,
                )
            )
        )
        missing = [c for c in wanted if c not in owned]
        if missing:
            raise ValidationFailed(
                "Designate your organization's own OAuth clients",
                {"client_ids": [f"{c} is not a client of this organization" for c in missing]},
            )
        return wanted

    def create(self, data: ApplicationCreate) -> Application:
        roles.require_writer(self.principal)
        org = self._enterprise(data.organization)
        offer = ProductService(self.session, self.principal).offer(parse_id(data.offer_id, "offer"))
        if not offer.active or not offer.product.listed:
            raise Conflict("This offer is no longer open for applications")
        if not terms.is_purpose(data.purpose_code):
            raise ValidationFailed(
                "Unknown purpose", {"purpose_code": ["one of the purpose taxonomy's codes"]}
            )
        if data.purpose_code == "other" and not data.purpose_text:
            raise ValidationFailed(
                "Describe the purpose", {"purpose_text": ["required when the purpose is other"]}
            )
        if "@" not in data.contact_email:
            raise ValidationFailed("Invalid contact", {"contact_email": ["an e-mail address"]})
        application = Application(
            offer_id=offer.id,
            organization_id=org.id,
            applicant_id=self.principal.user_id,
            purpose_code=data.purpose_code,
            purpose_text=data.purpose_text,
            usage_scenario=data.usage_scenario,
            security_measures=data.security_measures,
            contact_name=data.contact_name,
            contact_email=data.contact_email,
            contact_phone=data.contact_phone,
            client_ids=self.check_clients(org.id, data.client_ids),
            compliance_required=offer.product.compliance_review
            or offer.product.dataset.grade is Grade.IMPORTANT,
        )
        self.session.add(application)
        self.session.flush()
        self._record(application, "created", {"offer": str(offer.id)})
        return application

    def _record(self, application: Application, what: str, data: dict[str, Any]) -> None:
        ledger.append(
            self.session,
            f"exchange.application.{what}",
            actor=self.principal.user_id or self.principal.client_id,
            org=application.organization_id,
            subject=f"application:{application.id}",
            data={"state": application.state.value, **data},
        )

    def _require_actor(self, application: Application, action: Action) -> None:
        who = ACTOR[action]
        product = application.offer.product
        allowed = {
            Who.APPLICANT: application.organization_id in roles.enterprise_org_ids(self.principal),
            Who.PROVIDER: roles.is_provider_of(self.principal, product.organization_id),
            Who.REVIEWER: roles.is_compliance_reviewer(self.principal),
            Who.PARTIES: False,  # only through accept()
        }[who]
        if not allowed:
            raise PermissionDenied(
                f"Only the {who.value} may {action.value.replace('_', ' ')} this application",
                {"action": action.value, "role": who.value},
            )

    def act(self, application_id: uuid.UUID, action: Action, decision: Decision) -> Application:
        """One step of the state machine by the role that owns it."""
        roles.require_writer(self.principal)
        application = self.get(application_id)
        self._require_actor(application, action)
        if action is Action.ACTIVATE:
            raise PermissionDenied("An application becomes active when both parties accept")
        target = next_application_state(
            application.state, action, compliance_required=application.compliance_required
        )
        data: dict[str, Any] = {"action": action.value, "from": application.state.value}
        if target is ApplicationState.REJECTED:
            self._check_reasons(decision)
            application.reason_codes = list(decision.reason_codes)
            application.reason_text = decision.reason_text
            data |= {"reason_codes": decision.reason_codes, "reason_text": decision.reason_text}
        elif decision.reason_text:
            data["note"] = decision.reason_text
        conditions = [c for c in decision.conditions if c]
        if conditions:
            if action not in (Action.PROVIDER_APPROVE, Action.COMPLIANCE_APPROVE):
                raise ValidationFailed(
                    "Only an approval sets conditions", {"conditions": ["approve to set them"]}
                )
            application.conditions = [*application.conditions, *conditions]
            data["conditions"] = conditions
        if action is Action.SUBMIT and not application.client_ids:
            raise ValidationFailed(
                "Designate at least one OAuth client of your organization before submitting",
                {"client_ids": ["at least one"]},
            )
        if action is Action.ISSUE_AGREEMENT:
            agreement = self._issue_agreement(application)
            data["agreement"] = str(agreement.id)
            data["hash"] = agreement.hash
        self._move(application, target)
        self._record(application, action.value, data)
        return application

    def _check_reasons(self, decision: Decision) -> None:
        unknown = [c for c in decision.reason_codes if c not in REJECTION_REASONS]
        if not decision.reason_codes or unknown or not decision.reason_text:
            raise ValidationFailed(
                "A rejection needs reason codes and a text",
                {
                    "reason_codes": [f"one or more of {', '.join(REJECTION_REASONS)}"],
                    "reason_text": ["say why, for the applicant"],
                },
            )

    def _move(self, application: Application, target: ApplicationState) -> None:
        now = utcnow()
        application.state = target
        application.updated_at = now
        days = STAGE_DAYS.get(target)
        application.deadline = None if days is None else now + timedelta(days=days)

    def _issue_agreement(self, application: Application) -> Agreement:
        offer = application.offer
        dataset = offer.product.dataset
        enterprise = self.session.get(Organization, application.organization_id)
        assert enterprise is not None
        template = terms.current_template()
        text, digest = terms.render(
            offer=offer,
            dataset=dataset,
            provider=dataset.organization,
            enterprise=enterprise,
            application=application,
            template=template,
            start=utcnow(),
        )
        agreement = Agreement(
            application_id=application.id,
            template=template,
            text=text,
            policy=offer.policy,
            price_plan=offer.price_plan,
            hash=digest,
        )
        self.session.add(agreement)
        self.session.flush()
        return agreement

    def timeline(self, application: Application) -> list[tuple[int, datetime, str, str]]:
        """The application's steps as the ledger recorded them: (seq, time, type, state after),
        oldest first. The parties may read them (see :meth:`get`)."""
        self.get(application.id)
        rows = self.session.execute(
            select(LedgerEntry.seq, LedgerEntry.time, LedgerEntry.type, LedgerEntry.entry)
            .where(LedgerEntry.subject == f"application:{application.id}")
            .order_by(LedgerEntry.seq)
        ).all()
        steps = []
        for seq, time, kind, entry in rows:
            state = jsonutil.loads(entry).get("data", {}).get("state", "")
            steps.append((int(seq), time, str(kind), str(state)))
        return steps

    def reading_aid(self, application: Application, agreement: Agreement) -> tuple[str, str]:
        """The agreement in the other language, with that language's code: a reading aid only.
        The signed text is the agreement's own, in its own language, and so is its hash."""
        other = "en" if agreement.language == "zh" else "zh"
        dataset = application.offer.product.dataset
        enterprise = self.session.get(Organization, application.organization_id)
        assert enterprise is not None
        text, _digest = terms.render(
            offer=application.offer,
            dataset=dataset,
            provider=dataset.organization,
            enterprise=enterprise,
            application=application,
            template=agreement.template,
            language=other,
            start=agreement.created_at,
        )
        return other, text

    def accept(self, application_id: uuid.UUID, presented_hash: str) -> Agreement:
        """One party accepts the agreement text it was shown (by its hash)."""
        roles.require_writer(self.principal)
        application = self.get(application_id)
        agreement = self.agreement_of(application)
        if application.state is not ApplicationState.AGREEMENT_PENDING or agreement is None:
            raise Conflict(
                "There is no agreement awaiting acceptance", {"state": application.state.value}
            )
        if presented_hash != agreement.hash:
            raise Conflict(
                "The agreement you accept is not the one issued; read it again",
                {"hash": ["does not match the agreement's hash"]},
            )
        now = utcnow()
        if application.organization_id in roles.enterprise_org_ids(self.principal):
            side = "enterprise"
            if agreement.enterprise_accepted_at is not None:
                raise Conflict("Your organization has already accepted this agreement")
            agreement.enterprise_accepted_by = self.principal.user_id
            agreement.enterprise_accepted_at = now
            agreement.enterprise_accepted_hash = presented_hash
        elif roles.is_provider_of(self.principal, application.offer.product.organization_id):
            side = "provider"
            if agreement.provider_accepted_at is not None:
                raise Conflict("Your department has already accepted this agreement")
            agreement.provider_accepted_by = self.principal.user_id
            agreement.provider_accepted_at = now
            agreement.provider_accepted_hash = presented_hash
        else:
            raise PermissionDenied("Only the two parties accept an agreement")
        ledger.append(
            self.session,
            "exchange.agreement.accepted",
            actor=self.principal.user_id,
            org=application.organization_id,
            subject=f"agreement:{agreement.id}",
            data={"side": side, "hash": presented_hash, "application": str(application.id)},
        )
        if agreement.enterprise_accepted_at and agreement.provider_accepted_at:
            target = next_application_state(
                application.state, Action.ACTIVATE, compliance_required=False
            )
            self._move(application, target)
            self._record(application, Action.ACTIVATE.value, {"agreement": str(agreement.id)})
            EntitlementService(self.session, self.principal).grant(agreement)
        return agreement

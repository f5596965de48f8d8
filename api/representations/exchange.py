"""The exchange's records as JSON: what the exchange API answers and the pages show."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from core.identity.principal import Principal
from exchange.models import Agreement, Application, Entitlement, Offer, Product
from exchange.obligations import report_due
from exchange.services import ProductService


def offer_json(offer: Offer) -> dict[str, Any]:
    return {
        "id": str(offer.id),
        "product": str(offer.product_id),
        "name": offer.name,
        "policy": offer.policy,
        "price_plan": offer.price_plan,
        "duration_days": offer.duration_days,
        "active": offer.active,
    }


def product_json(product: Product) -> dict[str, Any]:
    return {
        "id": str(product.id),
        "dataset": product.dataset.name,
        "organization": product.dataset.organization.name,
        "title": product.title,
        "description": product.description,
        "grade": product.dataset.grade.value,
        "compliance_review": product.compliance_review,
        "offers": [offer_json(o) for o in product.offers if o.active],
        "created_at": product.created_at,
    }


def agreement_json(agreement: Agreement) -> dict[str, Any]:
    return {
        "id": str(agreement.id),
        "language": agreement.language,
        "template": agreement.template,
        "text": agreement.text,
        "policy": agreement.policy,
        "price_plan": agreement.price_plan,
        "hash": agreement.hash,
        "provider_accepted_at": agreement.provider_accepted_at,
        "provider_accepted_hash": agreement.provider_accepted_hash,
        "enterprise_accepted_at": agreement.enterprise_accepted_at,
        "enterprise_accepted_hash": agreement.enterprise_accepted_hash,
    }


def application_json(application: Application, agreement: Agreement | None) -> dict[str, Any]:
    return {
        "id": str(application.id),
        "offer": str(application.offer_id),
        "product": str(application.offer.product_id),
        "dataset": application.offer.product.dataset.name,
        "state": application.state.value,
        "compliance_required": application.compliance_required,
        "purpose_code": application.purpose_code,
        "purpose_text": application.purpose_text,
        "usage_scenario": application.usage_scenario,
        "security_measures": application.security_measures,
        "contact_name": application.contact_name,
        "contact_email": application.contact_email,
        "contact_phone": application.contact_phone,
        "client_ids": list(application.client_ids),
        "reason_codes": list(application.reason_codes),
        "reason_text": application.reason_text,
        "conditions": list(application.conditions),
        "deadline": application.deadline,
        "created_at": application.created_at,
        "updated_at": application.updated_at,
        "agreement": None if agreement is None else agreement_json(agreement),
    }


def entitlement_json(entitlement: Entitlement) -> dict[str, Any]:
    return {
        "id": str(entitlement.id),
        "agreement": str(entitlement.agreement_id),
        "offer": str(entitlement.offer_id),
        "dataset": str(entitlement.dataset_id),
        "state": entitlement.state.value,
        "reason": entitlement.reason,
        "purpose_code": entitlement.purpose_code,
        "policy": entitlement.policy,
        "price_plan": entitlement.price_plan,
        "clients": sorted(c.client_id for c in entitlement.clients),
        "starts_at": entitlement.starts_at,
        "expires_at": entitlement.expires_at,
        "report_due": report_due(entitlement),
        "renewal_request": None
        if entitlement.renewal_requested_at is None
        else {
            "days": entitlement.renewal_days,
            "note": entitlement.renewal_note,
            "requested_at": entitlement.renewal_requested_at,
        },
    }


def annotate_offers(session: Session, items: list[dict[str, Any]]) -> None:
    """Mark search hits that are listed products with offers (the licensed badge links there)."""
    counts = ProductService(session, Principal.anonymous()).offer_counts(
        [item["name"] for item in items if item.get("open_level") == "conditional"]
    )
    for item in items:
        item["offers"] = counts.get(item["name"], 0)

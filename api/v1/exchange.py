"""The exchange's JSON API: products and offers, applications and their reviews, agreements,
entitlements, usage, statements and the enterprise's obligations. Handlers call the services in
``exchange``; every rule (roles, states, ledger entries) lives there."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import Response

from api.http import JSONResponse, read_model
from api.registry import Param, Registry, Scope
from api.representations.exchange import (
    agreement_json,
    application_json,
    entitlement_json,
    offer_json,
    product_json,
)
from api.state import in_transaction
from core.identity.principal import Principal
from exchange.entitlements import EntitlementService
from exchange.metering import MeteringService
from exchange.models import Application
from exchange.obligations import ObligationService
from exchange.schemas import (
    Acceptance,
    ApplicationCreate,
    ClientsUpdate,
    Decision,
    DeletionCertificateCreate,
    EntitlementChange,
    OfferCreate,
    ProductCreate,
    Renewal,
    RenewalRequest,
    StatementIssue,
    UsageReportCreate,
)
from exchange.services import REJECTION_REASONS, ApplicationService, ProductService, parse_id
from exchange.states import Action, EntitlementAction

exchange_api = Registry(prefix="/api/v1")
# What both sides of a deal read (applications, licences, usage, statements): an enterprise's
# client with exchange:apply, a provider's or reviewer's with exchange:manage. Roles still
# decide which records each one sees.
READ_SCOPES: tuple[Scope, ...] = ("exchange:apply", "exchange:manage")

ID = Param("id", "path", "The id (a UUID)", required=True)
REVIEW_ACTIONS = {
    Action.START_REVIEW,
    Action.PROVIDER_APPROVE,
    Action.PROVIDER_REJECT,
    Action.COMPLIANCE_APPROVE,
    Action.COMPLIANCE_REJECT,
    Action.ISSUE_AGREEMENT,
}
CHANGES = {EntitlementAction.SUSPEND, EntitlementAction.RESUME, EntitlementAction.REVOKE}


def _id(request: Request, what: str) -> uuid.UUID:
    return parse_id(request.path_params["id"], what)


_STR = {"type": "string"}
_OBJ = {"type": "object"}
EXCHANGE_SCHEMAS: dict[str, dict[str, Any]] = {
    "Product": {
        "type": "object",
        "required": ["id", "dataset", "offers"],
        "properties": {
            "id": _STR,
            "dataset": _STR,
            "organization": _STR,
            "title": _STR,
            "grade": {"enum": ["general", "important", "core"]},
            "compliance_review": {"type": "boolean"},
            "offers": {"type": "array", "items": {"$ref": "#/components/schemas/Offer"}},
        },
    },
    "Offer": {
        "type": "object",
        "properties": {
            "id": _STR,
            "name": _STR,
            "policy": _OBJ,
            "price_plan": _OBJ,
            "duration_days": {"type": "integer"},
        },
    },
    "ProductList": {
        "type": "object",
        "properties": {
            "items": {"type": "array", "items": {"$ref": "#/components/schemas/Product"}}
        },
    },
    "Application": {
        "type": "object",
        "required": ["id", "state"],
        "properties": {
            "id": _STR,
            "state": {
                "enum": [
                    "draft",
                    "submitted",
                    "provider_review",
                    "compliance_review",
                    "approved",
                    "rejected",
                    "agreement_pending",
                    "active",
                    "withdrawn",
                ]
            },
            "deadline": {"type": ["string", "null"], "format": "date-time"},
            "reason_codes": {"type": "array", "items": {"enum": list(REJECTION_REASONS)}},
            "conditions": {"type": "array", "items": _STR},
            "agreement": {"type": ["object", "null"]},
        },
    },
    "ApplicationList": {
        "type": "object",
        "properties": {
            "items": {"type": "array", "items": {"$ref": "#/components/schemas/Application"}}
        },
    },
    "Agreement": {
        "type": "object",
        "properties": {"id": _STR, "text": _STR, "hash": _STR, "policy": _OBJ},
    },
    "Entitlement": {
        "type": "object",
        "properties": {
            "id": _STR,
            "state": {"enum": ["active", "suspended", "revoked", "expired"]},
            "clients": {"type": "array", "items": _STR},
            "expires_at": {"type": "string", "format": "date-time"},
            "renewal_request": {"type": ["object", "null"]},
        },
    },
    "EntitlementList": {
        "type": "object",
        "properties": {
            "items": {"type": "array", "items": {"$ref": "#/components/schemas/Entitlement"}}
        },
    },
    "Usage": {
        "type": "object",
        "properties": {
            "items": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "day": _STR,
                        "calls": {"type": "integer"},
                        "rows": {"type": "integer"},
                        "denials": {"type": "integer"},
                    },
                },
            }
        },
    },
    "Statement": {
        "type": "object",
        "properties": {
            "organization": _STR,
            "month": _STR,
            "currency": _STR,
            "total": {"type": "string", "description": "a decimal amount"},
            "lines": {"type": "array", "items": _OBJ},
        },
    },
    "StatementList": {
        "type": "object",
        "properties": {
            "items": {"type": "array", "items": {"$ref": "#/components/schemas/Statement"}}
        },
    },
    "Receipt": {"type": "object", "properties": {"id": _STR, "hash": _STR}},
}


# -- products and offers -----------------------------------------------------------------------


@exchange_api.op(
    "GET",
    "/exchange/products",
    summary="Products (conditional datasets licensed through the exchange) and their offers",
    tag="exchange",
    access="public",
    response="ProductList",
    scope="catalog:read",
)
async def products_list(request: Request) -> Response:
    def work(session: Session, principal: Principal) -> dict[str, Any]:
        products = ProductService(session, principal).listed()
        return {"items": [product_json(p) for p in products]}

    return JSONResponse(await in_transaction(request, work))


@exchange_api.op(
    "POST",
    "/exchange/products",
    summary="List a conditional dataset of your department as a product",
    tag="exchange",
    access="write",
    body=ProductCreate,
    response="Product",
    status=201,
    errors=(401, 403, 404, 409, 415, 422),
    scope="exchange:manage",
)
async def products_create(request: Request) -> Response:
    data = await read_model(request, ProductCreate)

    def work(session: Session, principal: Principal) -> dict[str, Any]:
        return product_json(ProductService(session, principal).list_product(data))

    return JSONResponse(await in_transaction(request, work), status_code=201)


@exchange_api.op(
    "GET",
    "/exchange/products/{id}",
    summary="One product and its offers",
    tag="exchange",
    access="public",
    params=(ID,),
    response="Product",
    errors=(404,),
    scope="catalog:read",
)
async def products_get(request: Request) -> Response:
    product_id = _id(request, "product")

    def work(session: Session, principal: Principal) -> dict[str, Any]:
        return product_json(ProductService(session, principal).get(product_id))

    return JSONResponse(await in_transaction(request, work))


@exchange_api.op(
    "POST",
    "/exchange/products/{id}/offers",
    summary="Add an offer: a usage policy (ODRL profile) and a price plan",
    tag="exchange",
    access="write",
    params=(ID,),
    body=OfferCreate,
    response="Offer",
    status=201,
    errors=(401, 403, 404, 415, 422),
    scope="exchange:manage",
)
async def offers_create(request: Request) -> Response:
    product_id = _id(request, "product")
    data = await read_model(request, OfferCreate)

    def work(session: Session, principal: Principal) -> dict[str, Any]:
        return offer_json(ProductService(session, principal).add_offer(product_id, data))

    return JSONResponse(await in_transaction(request, work), status_code=201)


# -- applications ------------------------------------------------------------------------------


def _application(service: ApplicationService, application: Application) -> dict[str, Any]:
    return application_json(application, service.agreement_of(application))


@exchange_api.op(
    "POST",
    "/exchange/applications",
    summary="Apply to an offer (a draft: submit it when ready)",
    tag="exchange",
    access="write",
    body=ApplicationCreate,
    response="Application",
    status=201,
    errors=(401, 403, 404, 409, 415, 422),
    scope="exchange:apply",
)
async def applications_create(request: Request) -> Response:
    data = await read_model(request, ApplicationCreate)

    def work(session: Session, principal: Principal) -> dict[str, Any]:
        service = ApplicationService(session, principal)
        return _application(service, service.create(data))

    return JSONResponse(await in_transaction(request, work), status_code=201)


@exchange_api.op(
    "GET",
    "/exchange/applications",
    summary="Your enterprise's applications",
    tag="exchange",
    access="read",
    response="ApplicationList",
    errors=(401,),
    scope=READ_SCOPES,
)
async def applications_mine(request: Request) -> Response:
    def work(session: Session, principal: Principal) -> dict[str, Any]:
        service = ApplicationService(session, principal)
        return {"items": [_application(service, a) for a in service.mine()]}

    return JSONResponse(await in_transaction(request, work))


@exchange_api.op(
    "GET",
    "/exchange/review/provider",
    summary="The provider's queue: applications to your department's products",
    tag="exchange",
    access="read",
    response="ApplicationList",
    errors=(401,),
    scope="exchange:manage",
)
async def queue_provider(request: Request) -> Response:
    def work(session: Session, principal: Principal) -> dict[str, Any]:
        service = ApplicationService(session, principal)
        return {"items": [_application(service, a) for a in service.provider_queue()]}

    return JSONResponse(await in_transaction(request, work))


@exchange_api.op(
    "GET",
    "/exchange/review/compliance",
    summary="The exchange's compliance queue",
    tag="exchange",
    access="read",
    response="ApplicationList",
    errors=(401, 403),
    scope="exchange:manage",
)
async def queue_compliance(request: Request) -> Response:
    def work(session: Session, principal: Principal) -> dict[str, Any]:
        service = ApplicationService(session, principal)
        return {"items": [_application(service, a) for a in service.compliance_queue()]}

    return JSONResponse(await in_transaction(request, work))


@exchange_api.op(
    "GET",
    "/exchange/applications/{id}",
    summary="One application, with its agreement once issued",
    tag="exchange",
    access="read",
    params=(ID,),
    response="Application",
    errors=(401, 404),
    scope=READ_SCOPES,
)
async def applications_get(request: Request) -> Response:
    application_id = _id(request, "application")

    def work(session: Session, principal: Principal) -> dict[str, Any]:
        service = ApplicationService(session, principal)
        return _application(service, service.get(application_id))

    return JSONResponse(await in_transaction(request, work))


def _step(action: Action) -> Any:
    async def endpoint(request: Request) -> Response:
        application_id = _id(request, "application")
        if request.headers.get("content-length") in (None, "0"):
            decision = Decision()
        else:
            decision = await read_model(request, Decision)

        def work(session: Session, principal: Principal) -> dict[str, Any]:
            service = ApplicationService(session, principal)
            return _application(service, service.act(application_id, action, decision))

        return JSONResponse(await in_transaction(request, work))

    endpoint.__name__ = f"applications_{action.value}"  # the OpenAPI operationId
    return endpoint


for _action in (Action.SUBMIT, Action.WITHDRAW):
    exchange_api.op(
        "POST",
        f"/exchange/applications/{{id}}/{_action.value}",
        summary=f"The applicant: {_action.value} the application",
        tag="exchange",
        access="write",
        params=(ID,),
        body=Decision,
        response="Application",
        errors=(401, 403, 404, 409, 415, 422),
        scope="exchange:apply",
    )(_step(_action))

for _action in sorted(REVIEW_ACTIONS):
    exchange_api.op(
        "POST",
        f"/exchange/applications/{{id}}/{_action.value}",
        summary=f"Review: {_action.value.replace('_', ' ')} "
        "(rejections need reason codes and text)",
        tag="exchange",
        access="write",
        params=(ID,),
        body=Decision,
        response="Application",
        errors=(401, 403, 404, 409, 415, 422),
        scope="exchange:manage",
    )(_step(_action))


async def _accept(request: Request) -> Response:
    application_id = _id(request, "application")
    data = await read_model(request, Acceptance)

    def work(session: Session, principal: Principal) -> dict[str, Any]:
        return agreement_json(
            ApplicationService(session, principal).accept(application_id, data.hash)
        )

    return JSONResponse(await in_transaction(request, work))


async def applications_accept(request: Request) -> Response:
    return await _accept(request)


async def applications_countersign(request: Request) -> Response:
    return await _accept(request)


exchange_api.op(
    "POST",
    "/exchange/applications/{id}/accept",
    summary="The enterprise accepts the agreement it read (by its hash)",
    tag="exchange",
    access="write",
    params=(ID,),
    body=Acceptance,
    response="Agreement",
    errors=(401, 403, 404, 409, 415, 422),
    scope="exchange:apply",
)(applications_accept)
exchange_api.op(
    "POST",
    "/exchange/applications/{id}/countersign",
    summary="The provider accepts the agreement it issued (by its hash)",
    tag="exchange",
    access="write",
    params=(ID,),
    body=Acceptance,
    response="Agreement",
    errors=(401, 403, 404, 409, 415, 422),
    scope="exchange:manage",
)(applications_countersign)


# -- entitlements ------------------------------------------------------------------------------


@exchange_api.op(
    "GET",
    "/exchange/entitlements",
    summary="Entitlements you hold, provide or oversee",
    tag="exchange",
    access="read",
    response="EntitlementList",
    errors=(401,),
    scope=READ_SCOPES,
)
async def entitlements_list(request: Request) -> Response:
    def work(session: Session, principal: Principal) -> dict[str, Any]:
        items = EntitlementService(session, principal).visible()
        return {"items": [entitlement_json(e) for e in items]}

    return JSONResponse(await in_transaction(request, work))


@exchange_api.op(
    "GET",
    "/exchange/entitlements/{id}",
    summary="One entitlement",
    tag="exchange",
    access="read",
    params=(ID,),
    response="Entitlement",
    errors=(401, 404),
    scope=READ_SCOPES,
)
async def entitlements_get(request: Request) -> Response:
    entitlement_id = _id(request, "entitlement")

    def work(session: Session, principal: Principal) -> dict[str, Any]:
        return entitlement_json(EntitlementService(session, principal).get(entitlement_id))

    return JSONResponse(await in_transaction(request, work))


@exchange_api.op(
    "PUT",
    "/exchange/entitlements/{id}/clients",
    summary="Designate which of your organization's OAuth clients call under the licence",
    tag="exchange",
    access="write",
    params=(ID,),
    body=ClientsUpdate,
    response="Entitlement",
    errors=(401, 403, 404, 415, 422),
    scope="exchange:apply",
)
async def entitlements_clients(request: Request) -> Response:
    entitlement_id = _id(request, "entitlement")
    data = await read_model(request, ClientsUpdate)

    def work(session: Session, principal: Principal) -> dict[str, Any]:
        service = EntitlementService(session, principal)
        return entitlement_json(service.set_clients(entitlement_id, data.client_ids))

    return JSONResponse(await in_transaction(request, work))


def _change(action: EntitlementAction) -> Any:
    async def endpoint(request: Request) -> Response:
        entitlement_id = _id(request, "entitlement")
        data = await read_model(request, EntitlementChange)

        def work(session: Session, principal: Principal) -> dict[str, Any]:
            service = EntitlementService(session, principal)
            return entitlement_json(service.change(entitlement_id, action, data.reason))

        return JSONResponse(await in_transaction(request, work))

    endpoint.__name__ = f"entitlements_{action.value}"  # the OpenAPI operationId
    return endpoint


for _change_action in sorted(CHANGES):
    exchange_api.op(
        "POST",
        f"/exchange/entitlements/{{id}}/{_change_action.value}",
        summary=f"{_change_action.value.capitalize()} a licence, with a reason "
        "(provider or exchange reviewer; effective on the next call)",
        tag="exchange",
        access="write",
        params=(ID,),
        body=EntitlementChange,
        response="Entitlement",
        errors=(401, 403, 404, 409, 415, 422),
        scope="exchange:manage",
    )(_change(_change_action))


@exchange_api.op(
    "POST",
    "/exchange/entitlements/{id}/renew",
    summary="Renew a licence by a number of days (the provider)",
    tag="exchange",
    access="write",
    params=(ID,),
    body=Renewal,
    response="Entitlement",
    errors=(401, 403, 404, 409, 415, 422),
    scope="exchange:manage",
)
async def entitlements_renew(request: Request) -> Response:
    entitlement_id = _id(request, "entitlement")
    data = await read_model(request, Renewal)

    def work(session: Session, principal: Principal) -> dict[str, Any]:
        service = EntitlementService(session, principal)
        return entitlement_json(service.renew(entitlement_id, data.days))

    return JSONResponse(await in_transaction(request, work))


@exchange_api.op(
    "POST",
    "/exchange/entitlements/{id}/renewal-request",
    summary="Ask the provider to renew a licence by a number of days (the licensed enterprise)",
    tag="exchange",
    access="write",
    params=(ID,),
    body=RenewalRequest,
    response="Entitlement",
    errors=(401, 403, 404, 409, 415, 422),
    scope="exchange:apply",
)
async def entitlements_renewal_request(request: Request) -> Response:
    entitlement_id = _id(request, "entitlement")
    data = await read_model(request, RenewalRequest)

    def work(session: Session, principal: Principal) -> dict[str, Any]:
        service = EntitlementService(session, principal)
        return entitlement_json(service.request_renewal(entitlement_id, data.days, data.note))

    return JSONResponse(await in_transaction(request, work))


@exchange_api.op(
    "POST",
    "/exchange/entitlements/{id}/renewal-decline",
    summary="Decline the open renewal request, with a reason (the provider)",
    tag="exchange",
    access="write",
    params=(ID,),
    body=EntitlementChange,
    response="Entitlement",
    errors=(401, 403, 404, 409, 415, 422),
    scope="exchange:manage",
)
async def entitlements_renewal_decline(request: Request) -> Response:
    entitlement_id = _id(request, "entitlement")
    data = await read_model(request, EntitlementChange)

    def work(session: Session, principal: Principal) -> dict[str, Any]:
        service = EntitlementService(session, principal)
        return entitlement_json(service.decline_renewal(entitlement_id, data.reason))

    return JSONResponse(await in_transaction(request, work))


@exchange_api.op(
    "GET",
    "/exchange/entitlements/{id}/usage",
    summary="Calls, rows and denials per day under a licence",
    tag="exchange",
    access="read",
    params=(ID,),
    response="Usage",
    errors=(401, 404),
    scope=READ_SCOPES,
)
async def entitlements_usage(request: Request) -> Response:
    entitlement_id = _id(request, "entitlement")

    def work(session: Session, principal: Principal) -> dict[str, Any]:
        return {"items": MeteringService(session, principal).daily(entitlement_id)}

    return JSONResponse(await in_transaction(request, work))


@exchange_api.op(
    "POST",
    "/exchange/entitlements/{id}/reports",
    summary="Report use, results and benefit for a period (an obligation of the agreement)",
    tag="exchange",
    access="write",
    params=(ID,),
    body=UsageReportCreate,
    response="Receipt",
    status=201,
    errors=(401, 403, 404, 415, 422),
    scope="exchange:apply",
)
async def reports_create(request: Request) -> Response:
    entitlement_id = _id(request, "entitlement")
    data = await read_model(request, UsageReportCreate)

    def work(session: Session, principal: Principal) -> dict[str, Any]:
        report = ObligationService(session, principal).submit_report(entitlement_id, data)
        return {"id": str(report.id)}

    return JSONResponse(await in_transaction(request, work), status_code=201)


@exchange_api.op(
    "POST",
    "/exchange/entitlements/{id}/deletion-certificate",
    summary="Certify that the data was deleted once the licence ended",
    tag="exchange",
    access="write",
    params=(ID,),
    body=DeletionCertificateCreate,
    response="Receipt",
    status=201,
    errors=(401, 403, 404, 409, 415, 422),
    scope="exchange:apply",
)
async def certificate_create(request: Request) -> Response:
    entitlement_id = _id(request, "entitlement")
    data = await read_model(request, DeletionCertificateCreate)

    def work(session: Session, principal: Principal) -> dict[str, Any]:
        cert = ObligationService(session, principal).certify_deletion(entitlement_id, data)
        return {"id": str(cert.id), "hash": cert.hash}

    return JSONResponse(await in_transaction(request, work), status_code=201)


# -- statements --------------------------------------------------------------------------------


@exchange_api.op(
    "GET",
    "/exchange/statements",
    summary="Monthly statements you are party to (the provider sees its own lines)",
    tag="exchange",
    access="read",
    response="StatementList",
    errors=(401,),
    scope=READ_SCOPES,
)
async def statements_list(request: Request) -> Response:
    def work(session: Session, principal: Principal) -> dict[str, Any]:
        return {"items": MeteringService(session, principal).visible()}

    return JSONResponse(await in_transaction(request, work))


@exchange_api.op(
    "POST",
    "/exchange/statements",
    summary="Issue (or re-issue) an enterprise's statement for a month (the exchange)",
    tag="exchange",
    access="write",
    body=StatementIssue,
    response="Statement",
    status=201,
    errors=(401, 403, 404, 415, 422),
    scope="exchange:manage",
)
async def statements_issue(request: Request) -> Response:
    data = await read_model(request, StatementIssue)

    def work(session: Session, principal: Principal) -> dict[str, Any]:
        statement = MeteringService(session, principal).issue(data.organization, data.month)
        return {
            "id": str(statement.id),
            "organization": data.organization,
            "month": statement.month,
            "currency": statement.currency,
            "lines": statement.lines,
            "total": statement.total,
        }

    return JSONResponse(await in_transaction(request, work), status_code=201)

"""Licensed data previewed in the browser (docs/architecture.md, "One licensed call, end to end").

An enterprise reads licensed data through the OAuth clients it designated on the
entitlement. Its staff's browser is one more such client: each enterprise has one *web
preview* client, which cannot obtain tokens (no grant types, no secret) and exists only to be
designated. A preview is then an ordinary licensed records call made as that client: the same
gate decides it, the same counters meter it, the same ledger entry records it.
"""

from __future__ import annotations

import dataclasses
import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from catalog.datastore.models import DatastoreTable
from catalog.datastore.query import RecordQuery
from catalog.models import Resource
from core.errors import NotFound, PermissionDenied
from core.identity.oauth_models import OAuthClient
from core.identity.principal import Principal
from exchange import roles
from exchange.enforcement import fingerprint
from exchange.entitlements import EntitlementService
from exchange.models import Entitlement
from exchange.reads import LicensedReads, Metered, RecordsCall

PREVIEW_ROWS = 20
WEB_PREVIEW_NAME = "网页预览 / Web preview"


def web_preview_client_id(organization_id: uuid.UUID) -> str:
    return f"web-preview-{organization_id.hex}"


class WebPreview:
    def __init__(
        self, session: Session, principal: Principal, sessions: sessionmaker[Session]
    ) -> None:
        self.session = session
        self.principal = principal
        self.sessions = sessions

    def entitlement(self, entitlement_id: uuid.UUID) -> Entitlement:
        """The licence, for a member of the enterprise that holds it."""
        entitlement = EntitlementService(self.session, self.principal).get(entitlement_id)
        if entitlement.organization_id not in roles.enterprise_org_ids(self.principal):
            raise PermissionDenied("Only the licensed enterprise previews its data")
        return entitlement

    def tables(self, entitlement: Entitlement) -> list[Resource]:
        """The licensed dataset's loaded tables, which a preview can read."""
        return list(
            self.session.scalars(
                select(Resource)
                .join(DatastoreTable, DatastoreTable.resource_id == Resource.id)
                .where(
                    Resource.dataset_id == entitlement.dataset_id,
                    DatastoreTable.table_name.is_not(None),
                )
                .order_by(Resource.created_at)
            )
        )

    def designated(self, entitlement: Entitlement) -> bool:
        client_id = web_preview_client_id(entitlement.organization_id)
        return any(c.client_id == client_id for c in entitlement.clients)

    def designate(self, entitlement_id: uuid.UUID) -> Entitlement:
        """Add the enterprise's web preview to the licence's designated clients (made on first
        use), through the same rule as any client's designation."""
        entitlement = self.entitlement(entitlement_id)
        client_id = web_preview_client_id(entitlement.organization_id)
        if (
            self.session.scalar(select(OAuthClient.id).where(OAuthClient.client_id == client_id))
            is None
        ):
            self.session.add(
                OAuthClient(
                    client_id=client_id,
                    name=WEB_PREVIEW_NAME,
                    organization_id=entitlement.organization_id,
                    created_by=self.principal.user_id,
                    grant_types=[],
                    scope="",
                    redirect_uris=[],
                )
            )
            self.session.flush()
        kept = [c.client_id for c in entitlement.clients]
        return EntitlementService(self.session, self.principal).set_clients(
            entitlement.id, [*kept, client_id]
        )

    def read(
        self, entitlement_id: uuid.UUID, resource_id: uuid.UUID, after_id: int | None = None
    ) -> Metered:
        """One page of the table under the licence, as the web preview client: metered."""
        entitlement = self.entitlement(entitlement_id)
        if resource_id not in {r.id for r in self.tables(entitlement)}:
            raise NotFound("This licence covers no such table")
        resource = self.session.get(Resource, resource_id)
        assert resource is not None
        as_preview = dataclasses.replace(
            self.principal, client_id=web_preview_client_id(entitlement.organization_id)
        )
        path = f"/exchange/licences/{entitlement.id}/preview"
        query = f"resource={resource_id}&after={after_id or ''}"
        call = RecordsCall(
            resource_id,
            RecordQuery(limit=PREVIEW_ROWS),
            after_id,
            None,
            fingerprint("POST", path, query),
        )
        return LicensedReads(self.session, as_preview, self.sessions).records(
            resource.dataset, call
        )

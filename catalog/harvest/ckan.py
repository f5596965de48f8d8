"""Harvesting a CKAN portal (or anything speaking its Action API) through ``ckanapi``.

Incremental: ``package_search`` sorted by ``metadata_modified`` from the source's resume point
(``harvested_until``), which moves forward after each dataset is settled — an interrupted run
is resumed by the next. Deletions: whatever ``package_list`` no longer names is withdrawn.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import requests
from ckanapi import RemoteCKAN
from ckanapi.errors import CKANAPIError
from sqlalchemy.orm import Session, sessionmaker

from catalog.harvest.base import (
    FetchError,
    Harvester,
    RecordError,
    RemoteDataset,
    SourceConfig,
    local_name,
)
from catalog.harvest.models import HarvestSource

PAGE_ROWS = 100
USER_AGENT = "shudu-harvester/0.1 (+CKAN and DCAT harvesting)"


class CkanHarvester(Harvester):
    def __init__(
        self,
        source: SourceConfig,
        sessions: sessionmaker[Session],
        *,
        http: requests.Session | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(source, sessions, **kwargs)
        # ``http`` lets tests put a transport adapter in front of the network.
        self.remote = RemoteCKAN(source.url, user_agent=USER_AGENT, session=http)

    def call(self, action: str, **params: Any) -> Any:
        self.polite()
        try:
            return self.remote.call_action(
                action, params, requests_kwargs={"timeout": self.timeout}
            )
        except requests.Timeout as exc:
            raise FetchError(f"{action} timed out after {self.timeout:g} s") from exc
        except requests.TooManyRedirects as exc:
            raise FetchError(f"{action}: too many redirects") from exc
        except requests.RequestException as exc:
            raise FetchError(f"{action}: {type(exc).__name__}: {exc}") from exc
        except CKANAPIError as exc:
            raise FetchError(
                f"{action} did not answer as the CKAN API does: {_short(exc)}"
            ) from exc

    def fetch(self) -> Iterator[list[Any]]:
        since = self.source.harvested_until
        fq = f"metadata_modified:[{since}Z TO *]" if since else ""
        start = 0
        while True:
            result = self.call(
                "package_search",
                q="*:*",
                fq=fq,
                sort="metadata_modified asc",
                rows=PAGE_ROWS,
                start=start,
            )
            if not isinstance(result, Mapping) or not isinstance(result.get("results"), list):
                raise FetchError("package_search answered without a list of results")
            page = result["results"]
            if not page:
                return
            yield page
            start += len(page)

    def parse(self, raw: Any) -> RemoteDataset:
        if not isinstance(raw, Mapping):
            raise RecordError("not a package dict")
        remote_id = raw.get("id") or raw.get("name")
        if not isinstance(remote_id, str) or not remote_id:
            raise RecordError("the package has neither id nor name")
        name = local_name(raw.get("name"), raw.get("title"))
        if not name:
            raise RecordError("no usable name (letters or digits) in name or title")
        modified = raw.get("metadata_modified")
        return RemoteDataset(
            remote_id=remote_id,
            name=name,
            modified=modified if isinstance(modified, str) else None,
            package=dict(raw),
            remote_name=str(raw.get("name") or ""),
        )

    def listing(self) -> set[str] | None:
        names = self.call("package_list")
        if not isinstance(names, list):
            raise FetchError("package_list answered without a list")
        return {str(n) for n in names}

    def advance(self, session: Session, remote: RemoteDataset) -> None:
        if remote.modified is None:
            return
        mark = remote.modified.removesuffix("Z")[:26]
        source = session.get(HarvestSource, self.source.id)
        assert source is not None
        if source.harvested_until is None or mark > source.harvested_until:
            source.harvested_until = mark


def _short(exc: Exception) -> str:
    text = str(exc)
    return text if len(text) <= 300 else text[:300] + "…"

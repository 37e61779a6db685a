"""GraphiQL served by the gateway itself (development only): the page under GET /graphql, its files under
/graphiql/assets/, no other origin and a strict content-security policy.

GraphiQL and React are fetched from the npm registry at install time (`gateway/graphiql_assets.py`) into a
directory of the Python environment; the two small files of Uplift's own (the start script and the page's CSS)
live in `gateway/static/`. Without the fetched files (an offline install) the page says how to fetch them.
"""

from pathlib import Path

from fastapi import APIRouter, HTTPException
from fastapi.responses import FileResponse, HTMLResponse

from gateway.graphiql_assets import ASSETS, FETCH_COMMAND, missing

ASSET_PATH = "/graphiql/assets"
STATIC = Path(__file__).parent / "static"
OWN = {"graphiql-start.js": "text/javascript; charset=utf-8", "graphiql-page.css": "text/css; charset=utf-8"}
# Scripts and styles from this origin only (no inline script, no eval); GraphiQL's fonts are data: URLs in its
# CSS; queries go to this origin.
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; font-src 'self' data:; img-src 'self' data:; "
       "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
HEADERS = {"Content-Security-Policy": CSP, "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer",
           "Cache-Control": "no-store"}


def page(directory: Path) -> str:
    if missing(directory):
        return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Uplift GraphiQL</title>
<link rel="stylesheet" href="{ASSET_PATH}/graphiql-page.css"></head>
<body><div class="uplift-missing">
<h1>GraphiQL is not installed here</h1>
<p>Uplift serves GraphiQL's files itself, and they are fetched from the npm registry when Uplift is installed.
They are missing from <code>{directory}</code> (an install without network?).</p>
<p>Fetch them with <code>{FETCH_COMMAND}</code> (or <code>.venv/bin/python -m gateway.graphiql_assets</code>),
then reload this page. The GraphQL endpoint itself works without them: <code>POST /graphql</code>.</p>
</div></body></html>
"""
    scripts = "\n".join(f'<script src="{ASSET_PATH}/{name}"></script>' for name in (
        "react.production.min.js", "react-dom.production.min.js", "graphiql.min.js", "graphiql-start.js"))
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Uplift GraphiQL</title>
<link rel="stylesheet" href="{ASSET_PATH}/graphiql.min.css">
<link rel="stylesheet" href="{ASSET_PATH}/graphiql-page.css"></head>
<body><div id="graphiql">Loading GraphiQL…</div>
{scripts}
</body></html>
"""


def graphiql_page(directory: Path) -> HTMLResponse:
    """The page under GET /graphql (development): Uplift's own, not strawberry's CDN one."""
    return HTMLResponse(page(directory), headers=HEADERS)


def assets_router(directory: Path) -> APIRouter:
    router = APIRouter(include_in_schema=False)
    fetched = {a.name: a.media_type for a in ASSETS}

    @router.get(ASSET_PATH + "/{name}")
    async def asset(name: str) -> FileResponse:
        if name in OWN:
            path, media_type = STATIC / name, OWN[name]
        elif name in fetched:
            path, media_type = directory / name, fetched[name]
        else:
            raise HTTPException(404, f"No GraphiQL file {name!r}.")
        if not path.is_file():
            raise HTTPException(404, f"{name} is not installed: run `{FETCH_COMMAND}`.")
        return FileResponse(path, media_type=media_type, headers={"X-Content-Type-Options": "nosniff",
                                                                   "Cache-Control": "public, max-age=3600"})

    return router

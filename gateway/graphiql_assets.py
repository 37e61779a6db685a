"""GraphiQL's files, fetched from the npm registry at install time and served by the gateway itself.

Nothing of GraphiQL (or React) is kept in the repository: `make` runs `python -m gateway.graphiql_assets`, which
downloads the pinned release tarballs, checks each against the sha-512 integrity the registry publishes for it,
extracts the few files the page needs, checks each file's sha-256, and writes them under `default_dir()`
(`<venv>/share/uplift/graphiql/`). Standard library only; files already present with the right sha-256 are not
fetched again. Without network (an offline install) it says so and leaves the page to explain how to fetch them.

Pinned: GraphiQL 3.8.3 (its UMD bundle carries graphql-js and CodeMirror; fonts are data: URLs inside its CSS)
and the React 18.2.0 / ReactDOM 18.2.0 UMD builds it expects as globals.
"""

import argparse
import base64
import hashlib
import io
import sys
import tarfile
import urllib.request
from dataclasses import dataclass
from pathlib import Path

REGISTRY = "https://registry.npmjs.org"


@dataclass(frozen=True)
class Tarball:
    package: str
    version: str
    integrity: str  # npm's dist.integrity: "sha512-<base64>"

    @property
    def url(self) -> str:
        return f"{REGISTRY}/{self.package}/-/{self.package.rsplit('/', 1)[-1]}-{self.version}.tgz"


@dataclass(frozen=True)
class Asset:
    name: str  # as served: /graphiql/assets/<name>
    tarball: Tarball
    member: str  # path inside the tarball
    sha256: str
    media_type: str


GRAPHIQL = Tarball("graphiql", "3.8.3",
                   "sha512-cuPDYtXVKV86Pu5PHBX642Odi/uVEE2y1Jxq5rGO/Qy1G2lRp7ZZ7a/T30RzxhuLSWo9zUbzq0P3U49//H0Ugw==")
REACT = Tarball("react", "18.2.0",
                "sha512-/3IjMdb2L9QbBdWiW5e3P2/npwMBaU9mHCSCUzNln0ZCYbcfTsGbTJrU/kGemdH2IWmB2ioZ+zkxtmq6g09fGQ==")
REACT_DOM = Tarball("react-dom", "18.2.0",
                    "sha512-6IMTriUmvsjHUjNtEDudZfuDQUoWXVxKHhlEGSk81n4YFS+r/Kl99wXiwlVXtPBtJenozv2P+hxDsw9eA7Xo6g==")
JS = "text/javascript; charset=utf-8"
ASSETS: tuple[Asset, ...] = (
    Asset("react.production.min.js", REACT, "package/umd/react.production.min.js",
          "4b4969fa4ef3594324da2c6d78ce8766fbbc2fd121fff395aedf997db0a99a06", JS),
    Asset("react-dom.production.min.js", REACT_DOM, "package/umd/react-dom.production.min.js",
          "21758ed084cd0e37e735722ee4f3957ea960628a29dfa6c3ce1a1d47a2d6e4f7", JS),
    Asset("graphiql.min.js", GRAPHIQL, "package/graphiql.min.js",
          "22faab94067b695e5f7959619fbe686ebcc8955002a0c97d986bcbba4ad4bc2c", JS),
    Asset("graphiql.min.css", GRAPHIQL, "package/graphiql.min.css",
          "b1868247f8e0502cd869e581f5f3cb55b334862e7f51b1d6cbace11059b9adc2", "text/css; charset=utf-8"),
)
FETCH_COMMAND = "make graphiql"  # what the page tells a developer to run (it runs the module below)


class IntegrityError(Exception):
    """A download or a file did not match its pinned hash."""


def default_dir() -> Path:
    """Where the files live: inside the Python environment running Uplift (`.venv` for `make`)."""
    return Path(sys.prefix) / "share" / "uplift" / "graphiql"


def sha256_of(path: Path) -> str | None:
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else None


def missing(directory: Path) -> list[Asset]:
    """The assets absent from `directory` or not the pinned bytes."""
    return [a for a in ASSETS if sha256_of(directory / a.name) != a.sha256]


def check_integrity(data: bytes, integrity: str) -> None:
    algorithm, _, expected = integrity.partition("-")
    if algorithm != "sha512":
        raise IntegrityError(f"unsupported integrity {algorithm!r}")
    if base64.b64encode(hashlib.sha512(data).digest()).decode() != expected:
        raise IntegrityError("the tarball does not match its pinned sha-512 integrity")


def download(url: str, timeout: float = 60.0) -> bytes:
    with urllib.request.urlopen(url, timeout=timeout) as answer:
        data: bytes = answer.read()
    return data


def fetch(directory: Path) -> list[str]:
    """Fetch what is missing into `directory`; returns the names written. Raises IntegrityError or OSError."""
    wanted = missing(directory)
    written: list[str] = []
    tarballs: dict[Tarball, bytes] = {}
    for asset in wanted:
        if asset.tarball not in tarballs:
            data = download(asset.tarball.url)
            check_integrity(data, asset.tarball.integrity)
            tarballs[asset.tarball] = data
        with tarfile.open(fileobj=io.BytesIO(tarballs[asset.tarball]), mode="r:gz") as archive:
            member = archive.extractfile(asset.member)
            if member is None:
                raise IntegrityError(f"{asset.member} is not a file in {asset.tarball.url}")
            content = member.read()
        if hashlib.sha256(content).hexdigest() != asset.sha256:
            raise IntegrityError(f"{asset.name} does not match its pinned sha-256")
        directory.mkdir(parents=True, exist_ok=True)
        partial = directory / f".{asset.name}.part"
        partial.write_bytes(content)
        partial.replace(directory / asset.name)
        written.append(asset.name)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Fetch GraphiQL's pinned files from the npm registry.")
    parser.add_argument("--into", type=Path, default=default_dir(), help="directory (default: %(default)s)")
    args = parser.parse_args(argv)
    try:
        written = fetch(args.into)
    except (OSError, IntegrityError) as err:
        print(f"graphiql: not fetched ({err}); GraphiQL's page will say how to fetch it later "
              f"(`{FETCH_COMMAND}`). Everything else works without it.", file=sys.stderr)
        return 1
    print(f"graphiql: {len(written)} file(s) fetched into {args.into}" if written
          else f"graphiql: files present in {args.into}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

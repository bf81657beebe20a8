"""A small, real Hugging Face Hub stand-in on 127.0.0.1 for publish tests.

It implements only the endpoints that `securecli-eval publish` reaches through the real
``huggingface_hub`` client (pointed here with ``HF_ENDPOINT``): whoami, repo creation, README
metadata validation, refs, preupload, the git-LFS batch API with basic transfer, NDJSON
commits, tags, model info and file resolve. State lives in memory; every request is logged so
a test can prove that nothing was sent, and failures can be injected per endpoint.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote, urlsplit


def git_blob_oid(content: bytes) -> str:
    return hashlib.sha1(b"blob %d\0" % len(content) + content).hexdigest()


@dataclass
class StoredFile:
    content: bytes
    lfs: bool

    @property
    def etag(self) -> str:
        return hashlib.sha256(self.content).hexdigest() if self.lfs else git_blob_oid(self.content)


@dataclass
class Commit:
    oid: str
    message: str
    files: dict[str, StoredFile]


@dataclass
class Repo:
    repo_id: str
    private: bool
    commits: list[Commit] = field(default_factory=list)
    tags: dict[str, str] = field(default_factory=dict)  # tag -> commit oid

    @property
    def head(self) -> Commit | None:
        return self.commits[-1] if self.commits else None

    def resolve(self, revision: str) -> Commit | None:
        if revision == "main":
            return self.head
        revision = self.tags.get(revision, revision)
        return next((c for c in self.commits if c.oid == revision), None)


@dataclass
class Request:
    method: str
    path: str
    authorized: bool
    body: bytes


class HubState:
    """Repos, LFS objects, the request log and injected failures, shared by all handler threads."""

    def __init__(self, token: str, user: str = "tester"):
        self.token, self.user = token, user
        self.repos: dict[str, Repo] = {}
        self.lfs: dict[str, bytes] = {}
        self.requests: list[Request] = []
        self.fail: dict[str, int] = {}  # handler name -> HTTP status it answers with instead
        self.lock = threading.Lock()


class HubHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: HubServer

    def log_message(self, format: str, *args) -> None:  # keep test output quiet
        return

    # --------------------------------------------------------------- plumbing

    @property
    def state(self) -> HubState:
        return self.server.state

    @property
    def base(self) -> str:
        return self.server.url

    def _body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    self.rfile.readline()
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _send(
        self, status: int, payload=None, headers: dict[str, str] | None = None, body: bytes | None = None
    ):
        data = body if body is not None else json.dumps(payload if payload is not None else {}).encode()
        self.send_response(status)
        self.send_header(
            "Content-Type", "application/octet-stream" if body is not None else "application/json"
        )
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def _error(self, status: int, message: str, code: str | None = None) -> None:
        headers = {"X-Error-Message": message, **({"X-Error-Code": code} if code else {})}
        self._send(status, {"error": message}, headers)

    def _handle(self) -> None:
        body = self._body() if self.command in {"POST", "PUT"} else b""
        path = urlsplit(self.path).path
        authorized = self.headers.get("Authorization") == f"Bearer {self.state.token}"
        with self.state.lock:
            self.state.requests.append(Request(self.command, path, authorized, body))
        method = "GET" if self.command == "HEAD" else self.command
        for pattern, route_method, name, needs_auth in ROUTES:
            match = re.fullmatch(pattern, path)
            if match and route_method == method:
                status = self.state.fail.get(name)
                if status:
                    return self._error(status, f"injected failure of {name}")
                if needs_auth and not authorized:
                    return self._error(401, "Invalid credentials in Authorization header")
                with self.state.lock:
                    return getattr(self, name)(body, *[unquote(g) for g in match.groups() if g is not None])
        self._error(404, f"no route for {self.command} {path}")

    do_GET = do_POST = do_PUT = do_HEAD = _handle

    def _repo(self, repo_id: str) -> Repo | None:
        repo = self.state.repos.get(repo_id)
        if repo is None:
            self._error(404, "Repository not found", "RepoNotFound")
        return repo

    # --------------------------------------------------------------- endpoints

    def whoami(self, body: bytes) -> None:
        self._send(
            200, {"type": "user", "name": self.state.user, "orgs": [], "auth": {"type": "access_token"}}
        )

    def create_repo(self, body: bytes) -> None:
        data = json.loads(body)
        repo_id = f"{data.get('organization') or self.state.user}/{data['name']}"
        url = {"url": f"{self.base}/{repo_id}", "name": repo_id}
        if repo_id in self.state.repos:
            return self._send(409, {"error": "You already created this model repo", **url})
        private = data.get("visibility") == "private" or bool(data.get("private"))
        self.state.repos[repo_id] = Repo(repo_id, private)
        self._send(200, url)

    def validate_yaml(self, body: bytes) -> None:
        content = json.loads(body)["content"]
        if not content.startswith("---\n") or "\n---\n" not in content[4:]:
            return self._send(400, {"errors": [{"message": "no YAML metadata header"}], "warnings": []})
        self._send(200, {"errors": [], "warnings": []})

    def refs(self, body: bytes, repo_id: str) -> None:
        if (repo := self._repo(repo_id)) is None:
            return
        branches = (
            [{"name": "main", "ref": "refs/heads/main", "targetCommit": repo.head.oid}] if repo.head else []
        )
        tags = [{"name": t, "ref": f"refs/tags/{t}", "targetCommit": oid} for t, oid in repo.tags.items()]
        self._send(200, {"branches": branches, "tags": tags, "converts": [], "pullRequests": []})

    def preupload(self, body: bytes, repo_id: str, revision: str) -> None:
        if self._repo(repo_id) is None:
            return
        modes = []
        for item in json.loads(body)["files"]:
            sample = base64.b64decode(item["sample"])
            binary = b"\0" in sample or item["path"].endswith((".safetensors", ".bin"))
            modes.append(
                {"path": item["path"], "uploadMode": "lfs" if binary else "regular", "shouldIgnore": False}
            )
        self._send(200, {"files": modes, "commitOid": None})

    def lfs_batch(self, body: bytes, repo_id: str) -> None:
        if self._repo(repo_id) is None:
            return
        objects = []
        for obj in json.loads(body)["objects"]:
            entry = {"oid": obj["oid"], "size": obj["size"], "authenticated": True}
            if obj["oid"] not in self.state.lfs:
                entry["actions"] = {
                    "upload": {"href": f"{self.base}/lfs-storage/{obj['oid']}"},
                    "verify": {"href": f"{self.base}/lfs-verify"},
                }
            objects.append(entry)
        self._send(200, {"transfer": "basic", "objects": objects})

    def lfs_put(self, body: bytes, oid: str) -> None:
        if hashlib.sha256(body).hexdigest() != oid:
            return self._error(400, "content does not match its sha256 oid")
        self.state.lfs[oid] = body
        self._send(200)

    def lfs_verify(self, body: bytes) -> None:
        data = json.loads(body)
        stored = self.state.lfs.get(data["oid"])
        if stored is None or len(stored) != data["size"]:
            return self._error(404, "object not uploaded")
        self._send(200)

    def commit(self, body: bytes, repo_id: str, revision: str) -> None:
        if (repo := self._repo(repo_id)) is None:
            return
        if revision != "main":
            return self._error(400, "only commits to main are supported here")
        files = dict(repo.head.files) if repo.head else {}
        message = ""
        for line in body.splitlines():
            item = json.loads(line)
            value = item["value"]
            if item["key"] == "header":
                message = value["summary"]
            elif item["key"] == "file":
                files[value["path"]] = StoredFile(base64.b64decode(value["content"]), lfs=False)
            elif item["key"] == "lfsFile":
                content = self.state.lfs.get(value["oid"])
                if content is None:
                    return self._error(400, f"LFS object {value['oid']} was never uploaded")
                files[value["path"]] = StoredFile(content, lfs=True)
            elif item["key"] == "deletedFile":
                files.pop(value["path"], None)
        oid = hashlib.sha1(f"{repo_id}:{len(repo.commits)}:".encode() + body).hexdigest()
        repo.commits.append(Commit(oid, message, files))
        self._send(
            200,
            {"commitUrl": f"{self.base}/{repo_id}/commit/{oid}", "commitOid": oid, "pullRequestUrl": None},
        )

    def create_tag(self, body: bytes, repo_id: str, revision: str) -> None:
        if (repo := self._repo(repo_id)) is None:
            return
        tag = json.loads(body)["tag"]
        commit = repo.resolve(revision)
        if commit is None:
            return self._error(404, f"revision {revision} not found", "RevisionNotFound")
        if tag in repo.tags:
            return self._error(409, f"tag {tag} already exists")
        repo.tags[tag] = commit.oid
        self._send(200)

    def model_info(self, body: bytes, repo_id: str, revision: str = "main") -> None:
        if (repo := self._repo(repo_id)) is None:
            return
        commit = repo.resolve(revision)
        if commit is None:
            return self._error(404, f"revision {revision} not found", "RevisionNotFound")
        siblings = [{"rfilename": name} for name in sorted(commit.files)]
        self._send(
            200, {"id": repo_id, "sha": commit.oid, "private": repo.private, "siblings": siblings, "tags": []}
        )

    def resolve_file(self, body: bytes, repo_id: str, revision: str, filename: str) -> None:
        if (repo := self._repo(repo_id)) is None:
            return
        commit = repo.resolve(revision)
        stored = commit.files.get(filename) if commit else None
        if stored is None:
            return self._error(404, "Entry not found", "EntryNotFound")
        headers = {"X-Repo-Commit": commit.oid, "ETag": f'"{stored.etag}"'}
        if stored.lfs:
            headers.update({"X-Linked-Etag": f'"{stored.etag}"', "X-Linked-Size": str(len(stored.content))})
        self._send(200, headers=headers, body=stored.content)


REPO = r"([^/]+/[^/]+?)"
# (path regex, method, handler name, needs a valid token)
ROUTES = [
    (r"/api/whoami-v2", "GET", "whoami", True),
    (r"/api/repos/create", "POST", "create_repo", True),
    (r"/api/validate-yaml", "POST", "validate_yaml", False),
    (rf"/api/models/{REPO}/refs", "GET", "refs", True),
    (rf"/api/models/{REPO}/preupload/([^/]+)", "POST", "preupload", True),
    (rf"/{REPO}\.git/info/lfs/objects/batch", "POST", "lfs_batch", True),
    (r"/lfs-storage/([0-9a-f]{64})", "PUT", "lfs_put", False),
    (r"/lfs-verify", "POST", "lfs_verify", True),
    (rf"/api/models/{REPO}/commit/([^/]+)", "POST", "commit", True),
    (rf"/api/models/{REPO}/tag/([^/]+)", "POST", "create_tag", True),
    (rf"/api/models/{REPO}/revision/([^/]+)", "GET", "model_info", True),
    (rf"/api/models/{REPO}", "GET", "model_info", True),
    (rf"/{REPO}/resolve/([^/]+)/(.+)", "GET", "resolve_file", True),
]


class HubServer(ThreadingHTTPServer):
    """``with HubServer(token) as hub:`` serves on a free loopback port until the block ends."""

    daemon_threads = True

    def __init__(self, token: str):
        super().__init__(("127.0.0.1", 0), HubHandler)
        self.state = HubState(token)
        self.url = f"http://127.0.0.1:{self.server_address[1]}"
        self._thread = threading.Thread(target=self.serve_forever, daemon=True)

    def __enter__(self) -> HubServer:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.shutdown()
        self.server_close()
        self._thread.join(timeout=5)

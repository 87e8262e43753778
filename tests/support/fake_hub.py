"""A local stand-in for the Hugging Face Hub: the model-info API and file downloads of a tiny repository
with the real file names, with Range support and injectable faults (cut, corrupt, 401, a pause mid-file)."""

from __future__ import annotations

import hashlib
import json
import random
import socket
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

from backend.models import (
    CONFIG_FILE,
    DIT_FILES,
    PREVIEW_DECODER_FILE,
    PREVIEW_DECODER_REPO_ID,
    REPO_ID,
    SET_FOLDERS,
    T5_FILES,
    TOKENIZER_DIR,
    TOKENIZER_FILES,
    VAE_FILE,
    FileFacts,
    WeightSet,
)

REVISION = "3f1c0a9d6e2b4c8a7f5e1d0b9c8a7f6e5d4c3b2a"
LFS_SUFFIXES = (".safetensors", ".pth", ".model")


def fake_repository(seed: int = 7) -> dict[str, bytes]:
    """Small files under the real repository's names, including ones a set must not pull in."""
    rng = random.Random(seed)

    def blob(n: int) -> bytes:
        return rng.randbytes(n)

    files: dict[str, bytes] = {
        CONFIG_FILE: json.dumps({"dim": 5120, "num_heads": 40, "num_layers": 40, "in_dim": 16}).encode(),
        "README.md": b"# fake model card\n",
        ".gitattributes": b"*.safetensors filter=lfs diff=lfs merge=lfs -text\n",
        "distill_models/distill_model.safetensors": blob(30_000),
        "loras/Wan21_T2V_14B_lightx2v_cfg_step_distill_lora_rank64.safetensors": blob(9_000),
    }
    for name in TOKENIZER_FILES:
        text = json.dumps({"fake": name}).encode()
        files[f"{TOKENIZER_DIR}/{name}"] = blob(700) if name.endswith(".model") else text
    for ws, folder in SET_FOLDERS.items():
        for name in DIT_FILES:
            files[f"{folder}/{name}"] = blob(1_500)
        files[f"{folder}/{T5_FILES[ws]}"] = blob(60_000)
        files[f"{folder}/{VAE_FILE}"] = blob(12_000)
    return files


TORCH_ZIP_MAGIC = b"PK\x03\x04"
"""How a .pth file written by torch.save (a zip archive) begins; the LightX2V fake's loader checks it."""


def fake_autoencoders(seed: int = 11) -> dict[str, bytes]:
    """The autoencoder repository under its real names: the preview decoder and files it must not pull in."""
    rng = random.Random(seed)
    return {
        PREVIEW_DECODER_FILE: TORCH_ZIP_MAGIC + rng.randbytes(9_000),
        "taew2_2.pth": TORCH_ZIP_MAGIC + rng.randbytes(4_000),
        "lighttaew2_1.safetensors": rng.randbytes(5_000),
        "Wan2.1_VAE.pth": TORCH_ZIP_MAGIC + rng.randbytes(6_000),
        "README.md": b"# fake autoencoders\n",
        ".gitattributes": b"*.pth filter=lfs diff=lfs merge=lfs -text\n",
    }


def git_oid(data: bytes) -> str:
    return hashlib.sha1(f"blob {len(data)}\0".encode() + data, usedforsecurity=False).hexdigest()


def hub_facts(files: dict[str, bytes]) -> dict[str, FileFacts]:
    """What the Hub advertises per file: sha256 for LFS files, the git blob id for the others."""
    return {p: FileFacts(p, len(d), hashlib.sha256(d).hexdigest(), None) if p.endswith(LFS_SUFFIXES)
            else FileFacts(p, len(d), None, git_oid(d)) for p, d in files.items()}


def write_set(root: Path, files: dict[str, bytes], weight_set: WeightSet) -> list[str]:
    """Lay out one set on disk as a copy of the repository would be (config, tokenizer, set folder)."""
    folder = SET_FOLDERS[weight_set]
    written = [p for p in files if p == CONFIG_FILE or p.startswith((f"{TOKENIZER_DIR}/", f"{folder}/"))]
    for rel in written:
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(files[rel])
    return written


@dataclass(frozen=True)
class Seen:
    """One request as the server saw it."""

    method: str
    path: str
    range_start: int | None
    authorization: str | None


@dataclass
class FakeHub:
    """Serves `files` for REPO_ID, and `others` for their repositories, on 127.0.0.1 (a free port). Use as a
    context manager: always shut down. The faults below name a file by its path in its repository."""

    files: dict[str, bytes] = field(default_factory=fake_repository)
    others: dict[str, dict[str, bytes]] = field(
        default_factory=lambda: {PREVIEW_DECODER_REPO_ID: fake_autoencoders()})
    token: str | None = None
    """When set, every request without `Authorization: Bearer <token>` gets 401."""
    cut_after: dict[str, int] = field(default_factory=dict)
    """path -> bytes: that file's next response stops after this many body bytes (once)."""
    corrupt: set[str] = field(default_factory=set)
    """Paths served with flipped bytes (the advertised size and checksum stay the true ones)."""
    hold_after: dict[str, int] = field(default_factory=dict)
    """path -> bytes: that file's next response sends this many body bytes, sets `held` and waits for `release`
    (once): a download stands still mid-file for as long as the test needs, however slow the machine."""
    held: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)
    ignore_range: bool = False
    hold: dict[str, threading.Event] = field(default_factory=dict)
    """path -> event: that file's body waits until the event is set (a download that is surely running)."""
    seen: list[Seen] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._server: ThreadingHTTPServer | None = None
        self._lock = threading.Lock()

    @property
    def url(self) -> str:
        assert self._server is not None, "start the hub first"
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> FakeHub:
        hub = self

        class Handler(_Handler):
            owner = hub

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._server.block_on_close = False
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release.set()  # a response still held must not outlive the test
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def record(self, seen: Seen) -> None:
        with self._lock:
            self.seen.append(seen)

    def file_requests(self, path: str | None = None) -> list[Seen]:
        with self._lock:
            return [s for s in self.seen if "/resolve/" in s.path and (path is None or s.path.endswith("/" + path))]

    def repos(self) -> dict[str, dict[str, bytes]]:
        return {REPO_ID: self.files, **self.others}

    def model_info(self, repo_id: str = REPO_ID) -> dict[str, object]:
        siblings = []
        for path, facts in sorted(hub_facts(self.repos()[repo_id]).items()):
            # An LFS file's git blob id is its pointer's; the content checksum is the sha256.
            pointer = f"version https://git-lfs.github.com/spec/v1\noid sha256:{facts.sha256}\nsize {facts.size}\n"
            entry: dict[str, object] = {"rfilename": path, "size": facts.size,
                                        "blobId": facts.git_oid or git_oid(pointer.encode())}
            if facts.sha256:
                entry["lfs"] = {"size": facts.size, "sha256": facts.sha256, "pointerSize": 134}
            siblings.append(entry)
        return {"id": repo_id, "modelId": repo_id, "sha": REVISION, "private": False, "siblings": siblings}


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    owner: FakeHub

    def setup(self) -> None:
        super().setup()
        # Headers and body go out as two writes; without this, Nagle plus delayed ACKs add 40 ms a file.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, format: str, *args: object) -> None:  # keep test output clean
        pass

    def do_HEAD(self) -> None:
        self._serve(body=False)

    def do_GET(self) -> None:
        self._serve(body=True)

    def _serve(self, body: bool) -> None:
        hub = self.owner
        path = unquote(urlsplit(self.path).path)
        rng = self.headers.get("Range")
        start = int(rng.split("=", 1)[1].split("-", 1)[0]) if rng and rng.startswith("bytes=") else None
        auth = self.headers.get("Authorization")
        hub.record(Seen(self.command, path, start, auth))
        if hub.token is not None and auth != f"Bearer {hub.token}":
            self._json(401, {"error": "Invalid username or password."})
            return
        for repo_id, files in hub.repos().items():
            api = f"/api/models/{repo_id}"
            if path in (api, f"{api}/revision/main", f"{api}/revision/{REVISION}"):
                self._json(200, hub.model_info(repo_id), body)
                return
            for rev in ("main", REVISION):
                prefix = f"/{repo_id}/resolve/{rev}/"
                if path.startswith(prefix) and path[len(prefix):] in files:
                    self._file(files, path[len(prefix):], start, body)
                    return
        self.send_response(404)
        self.send_header("X-Error-Code", "EntryNotFound")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _json(self, code: int, data: object, body: bool = True) -> None:
        raw = json.dumps(data).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        if body:
            self.wfile.write(raw)

    def _file(self, files: dict[str, bytes], rel: str, start: int | None, body: bool) -> None:
        hub = self.owner
        data = files[rel]
        if rel in hub.corrupt:
            data = bytes(b ^ 0x5A for b in data)
        lfs = rel.endswith(LFS_SUFFIXES)
        etag = hashlib.sha256(files[rel]).hexdigest() if lfs else git_oid(files[rel])
        if start is not None and not hub.ignore_range:
            if start >= len(data):
                self.send_response(416)
                self.send_header("Content-Range", f"bytes */{len(data)}")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
            data = data[start:]
        else:
            self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Accept-Ranges", "bytes")
        self.send_header("ETag", f'"{etag}"')
        self.send_header("X-Repo-Commit", REVISION)
        if lfs:
            self.send_header("X-Linked-Size", str(len(files[rel])))
            self.send_header("X-Linked-Etag", f'"{etag}"')
        self.end_headers()
        if not body:
            return
        gate = hub.hold.get(rel)
        if gate is not None:
            gate.wait(30)
        cut = hub.cut_after.pop(rel, None)
        hold = hub.hold_after.pop(rel, None)
        sent = 0
        try:
            while sent < len(data):
                if sent == hold:
                    self.wfile.flush()
                    hub.held.set()
                    hub.release.wait(120)
                piece = data[sent: min(sent + 2048, hold if hold is not None and sent < hold else len(data))]
                if cut is not None and sent + len(piece) >= cut:
                    self.wfile.write(data[sent:cut])
                    self.wfile.flush()
                    self.close_connection = True
                    self.connection.shutdown(socket.SHUT_RDWR)
                    return
                self.wfile.write(piece)
                sent += len(piece)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True


def closed_port() -> int:
    """A port on 127.0.0.1 nothing listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])

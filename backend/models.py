"""Weight sets: which files the engine needs, where it finds them, and whether a folder has them intact."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, get_args

from backend.errors import WeightsMissing
from backend.storage import read_json, write_json_atomic

logger = logging.getLogger(__name__)

REPO_ID = "lightx2v/Wan2.1-T2V-14B-StepDistill-CfgDistill-Lightx2v"
WeightSet = Literal["fp8", "int8"]
WEIGHT_SETS: tuple[WeightSet, ...] = get_args(WeightSet)
FP8_MIN_CAPABILITY = (8, 9)
"""FP8 matmul kernels need Ada (sm_89) or newer; older cards take the INT8 set."""

# The repository layout, in one place. The engine is given model_path=<root> and the set folder as
# dit_quantized_ckpt; it finds T5 and VAE inside the set folder and config/tokenizer at the root.
SET_FOLDERS: dict[WeightSet, str] = {"fp8": "distill_fp8", "int8": "distill_int8"}
T5_FILES: dict[WeightSet, str] = {"fp8": "models_t5_umt5-xxl-enc-fp8.pth", "int8": "models_t5_umt5-xxl-enc-int8.pth"}
DIT_BLOCKS = 40
DIT_FILES = (*(f"block_{i}.safetensors" for i in range(DIT_BLOCKS)), "non_block.safetensors")
VAE_FILE = "Wan2.1_VAE.pth"
CONFIG_FILE = "config.json"
TOKENIZER_DIR = "google/umt5-xxl"
TOKENIZER_FILES = ("special_tokens_map.json", "spiece.model", "tokenizer.json", "tokenizer_config.json")
WHOLE_FOLDERS = (TOKENIZER_DIR,)
"""Folders the engine reads as a whole: every remote file under them is fetched, not only the required ones."""

MANIFEST_FILE = "wan_studio_manifest.json"
MANIFEST_VERSION = 1
HASH_CHUNK = 8 << 20


def default_weight_set(capability: tuple[int, int] | None) -> WeightSet:
    """FP8 where the card has FP8 kernels (sm_89+) or is unknown; INT8 for older cards."""
    return "fp8" if capability is None or capability >= FP8_MIN_CAPABILITY else "int8"


@dataclass(frozen=True)
class ModelLayout:
    """Where the engine finds each part under a root folder (the repository root)."""

    root: Path
    weight_set: WeightSet
    dit_dir: Path
    t5_file: Path
    vae_file: Path
    tokenizer_dir: Path
    config_file: Path


def layout(root: Path, weight_set: WeightSet) -> ModelLayout:
    dit_dir = root / SET_FOLDERS[weight_set]
    return ModelLayout(root=root, weight_set=weight_set, dit_dir=dit_dir, t5_file=dit_dir / T5_FILES[weight_set],
                       vae_file=dit_dir / VAE_FILE, tokenizer_dir=root / TOKENIZER_DIR, config_file=root / CONFIG_FILE)


def required_files(weight_set: WeightSet) -> list[str]:
    """Every file the engine opens for this set, as repository-relative posix paths."""
    folder = SET_FOLDERS[weight_set]
    return [CONFIG_FILE, *(f"{TOKENIZER_DIR}/{name}" for name in TOKENIZER_FILES),
            *(f"{folder}/{name}" for name in (*DIT_FILES, T5_FILES[weight_set], VAE_FILE))]


# ---- what a file should be: the Hub's facts, kept in a manifest next to the weights ----------------------
@dataclass(frozen=True)
class FileFacts:
    """Size and checksums of one repository file. sha256 exists for LFS files, git_oid for the small others."""

    path: str
    size: int
    sha256: str | None = None
    git_oid: str | None = None


def read_manifest(root: Path) -> dict[str, FileFacts]:
    """The facts recorded at download time, or {} for a folder we did not download (or a damaged manifest)."""
    data, note = read_json(root / MANIFEST_FILE)
    if note:
        logger.warning("Weights manifest: %s", note)
    if not isinstance(data, dict) or not isinstance(data.get("files"), dict):
        return {}
    facts: dict[str, FileFacts] = {}
    for path, entry in data["files"].items():
        if isinstance(entry, dict) and isinstance(entry.get("size"), int):
            facts[path] = FileFacts(path, entry["size"], entry.get("sha256"), entry.get("git_oid"))
    return facts


def write_manifest(root: Path, revision: str, files: Iterable[FileFacts]) -> None:
    """Merge `files` into the manifest, so an FP8 and an INT8 set can share one root."""
    merged = read_manifest(root)
    merged.update({f.path: f for f in files})
    entries = {p: {"size": f.size, "sha256": f.sha256, "git_oid": f.git_oid} for p, f in sorted(merged.items())}
    write_json_atomic(root / MANIFEST_FILE,
                      {"version": MANIFEST_VERSION, "repo_id": REPO_ID, "revision": revision, "files": entries})


def file_matches_checksum(path: Path, facts: FileFacts, on_chunk: Callable[[int], None] | None = None) -> bool | None:
    """True/False when a checksum is known, None when the Hub gave none. Reads the whole file, calling
    `on_chunk(bytes)` along the way so a caller can cancel (by raising) during a multi-GB read."""
    if facts.sha256:
        digest = hashlib.sha256()
        expected = facts.sha256
    elif facts.git_oid:
        # Git's blob id: sha1 over a "blob <size>\0" header, then the content.
        digest = hashlib.sha1(f"blob {path.stat().st_size}\0".encode(), usedforsecurity=False)
        expected = facts.git_oid
    else:
        return None
    with path.open("rb") as fh:
        while chunk := fh.read(HASH_CHUNK):
            digest.update(chunk)
            if on_chunk is not None:
                on_chunk(len(chunk))
    return digest.hexdigest() == expected


# ---- what is present --------------------------------------------------------------------------------
@dataclass(frozen=True)
class WeightsReport:
    """The state of one set in one folder: complete only when nothing is missing and nothing is wrong."""

    root: Path
    weight_set: WeightSet
    complete: bool
    missing: tuple[str, ...]
    problems: tuple[str, ...]
    checked: int = 0
    verified: bool = False

    def summary(self) -> str:
        """One sentence for a person."""
        name = self.weight_set.upper()
        if self.complete:
            how = "present and verified" if self.verified else "present"
            return f"All {self.checked} files of the {name} set are {how} in {self.root}."
        parts = []
        if self.missing:
            more = len(self.missing) - 3
            shown = ", ".join(self.missing[:3]) + (f" and {more} more" if more > 0 else "")
            parts.append(f"{len(self.missing)} of {self.checked} files of the {name} set are missing in "
                         f"{self.root} ({shown})")
        if self.problems:
            head = "; ".join(self.problems[:2]) + (f"; and {len(self.problems) - 2} more" if len(self.problems) > 2
                                                   else "")
            parts.append(f"{len(self.problems)} file(s) are damaged: {head}")
        return "; ".join(parts) + ". Download the set again (it resumes) or choose another folder."

    def require(self) -> None:
        """Raise WeightsMissing naming what is absent or damaged; the engine calls this before loading."""
        if not self.complete:
            bad = list(self.missing) + [p.split(":", 1)[0] for p in self.problems]
            raise WeightsMissing(bad, str(self.root))


def check_weights(root: Path, weight_set: WeightSet, verify_hashes: bool = False) -> WeightsReport:
    """Existence and size of every file of the set (cheap: stat calls and one small JSON read).

    Sizes are checked against the manifest written at download time; a folder without one is checked
    for existence and non-empty files only. `verify_hashes` also reads every file to compare checksums.
    """
    manifest = read_manifest(root)
    folder = SET_FOLDERS[weight_set]
    wanted = list(required_files(weight_set))
    wanted += sorted(p for p in manifest if p not in wanted and p.startswith(tuple(f"{d}/" for d in WHOLE_FOLDERS)))
    missing: list[str] = []
    problems: list[str] = []
    for rel in wanted:
        path = root / rel
        if not path.is_file():
            missing.append(rel)
            continue
        size = path.stat().st_size
        facts = manifest.get(rel)
        if facts is None:
            if size == 0:
                problems.append(f"{rel}: the file is empty")
        elif size != facts.size:
            problems.append(f"{rel}: {size:,} bytes on disk, {facts.size:,} expected")
        elif verify_hashes and file_matches_checksum(path, facts) is False:
            problems.append(f"{rel}: the content does not match the Hub's checksum")
    if len(missing) == len(wanted) and root.name in SET_FOLDERS.values() and (root.parent / folder).is_dir():
        problems.append(f"{root.name}: this is the set's subfolder; choose its parent folder {root.parent}")
    report = WeightsReport(root, weight_set, not missing and not problems, tuple(missing), tuple(problems),
                           checked=len(wanted), verified=verify_hashes)
    logger.debug("Weights check: %s", report.summary())
    return report

"""Weight sets: which files the engine needs, where it finds them, and whether a folder has them intact."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
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

PREVIEW_DECODER_REPO_ID = "lightx2v/Autoencoders"
PREVIEW_DECODER_FILE = "taew2_1.pth"
"""TAEHV for Wan 2.1 (MIT, ~11 M parameters): the tiny decoder LightX2V's WanVAE_tiny loads."""
PREVIEW_DECODER_FOLDER = "taehv"
"""Its own folder under the weights folder, with its own manifest: another repository, another revision."""

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


@dataclass(frozen=True)
class FileSet:
    """What one download fetches: files of one Hub repository, placed under `folder` of the weights folder.
    `name` is what the downloader, the CLI and the messages call it ("fp8", "int8", "taehv")."""

    name: str
    title: str
    """In a sentence: "the {title} needs…" ("FP8 set", "TAEHV preview decoder")."""
    repo_id: str
    files: tuple[str, ...]
    whole_folders: tuple[str, ...] = ()
    folder: str = ""

    def root(self, weights_dir: Path) -> Path:
        """Where this set's files and manifest live for a weights folder."""
        return weights_dir / self.folder if self.folder else weights_dir


def weight_files(weight_set: WeightSet) -> FileSet:
    """The model's own set: FP8 or INT8 DiT and T5, the VAE, config and tokenizer, at the weights folder's root."""
    return FileSet(weight_set, f"{weight_set.upper()} set", REPO_ID, tuple(required_files(weight_set)),
                   WHOLE_FOLDERS)


PREVIEW_DECODER = FileSet("taehv", "TAEHV preview decoder", PREVIEW_DECODER_REPO_ID, (PREVIEW_DECODER_FILE,),
                          folder=PREVIEW_DECODER_FOLDER)
"""Optional: sharper live previews. Never needed to make a clip."""
FILE_SETS: dict[str, FileSet] = {**{s: weight_files(s) for s in WEIGHT_SETS}, PREVIEW_DECODER.name: PREVIEW_DECODER}


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


def write_manifest(root: Path, revision: str, files: Iterable[FileFacts], repo_id: str = REPO_ID) -> None:
    """Merge `files` into the manifest, so an FP8 and an INT8 set can share one root."""
    merged = read_manifest(root)
    merged.update({f.path: f for f in files})
    entries = {p: {"size": f.size, "sha256": f.sha256, "git_oid": f.git_oid} for p, f in sorted(merged.items())}
    write_json_atomic(root / MANIFEST_FILE,
                      {"version": MANIFEST_VERSION, "repo_id": repo_id, "revision": revision, "files": entries})


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
    weight_set: str
    """A FileSet name: "fp8", "int8" or "taehv"."""
    complete: bool
    missing: tuple[str, ...]
    problems: tuple[str, ...]
    checked: int = 0
    verified: bool = False

    @property
    def nothing_there(self) -> bool:
        """Not one file of the set in the folder: never downloaded, not broken."""
        return bool(self.missing) and len(self.missing) == self.checked and not self.problems

    def summary(self) -> str:
        """One sentence for a person."""
        file_set = FILE_SETS.get(self.weight_set)
        if self.checked == 1 and file_set is not None:  # a one-file set (the preview decoder) is named, not counted
            return self._one_file_summary(file_set)
        name = self.weight_set.upper()
        if self.nothing_there:
            return (f"The {name} set is not downloaded yet ({self.checked} files, none in {self.root}). "
                    "Download it in the Models tab or choose a folder that has it.")
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

    def _one_file_summary(self, file_set: FileSet) -> str:
        if self.complete:
            return f"The {file_set.title} is {'present and verified' if self.verified else 'present'} in {self.root}."
        if self.missing:
            return f"The {file_set.title} ({self.missing[0]}) is not in {self.root}."
        return f"The {file_set.title} is damaged ({self.problems[0]}). Download it again (it resumes)."

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
    report = check_files(root, weight_files(weight_set), verify_hashes)
    folder = SET_FOLDERS[weight_set]
    if len(report.missing) == report.checked and root.name in SET_FOLDERS.values() and (root.parent / folder).is_dir():
        problem = f"{root.name}: this is the set's subfolder; choose its parent folder {root.parent}"
        report = replace(report, complete=False, problems=(*report.problems, problem))
    logger.debug("Weights check: %s", report.summary())
    return report


def check_files(root: Path, file_set: FileSet, verify_hashes: bool = False) -> WeightsReport:
    """Every file of `file_set` in `root` (its own folder: `file_set.root(weights_dir)`), as check_weights."""
    manifest = read_manifest(root)
    wanted = list(file_set.files)
    wanted += sorted(p for p in manifest
                     if p not in wanted and p.startswith(tuple(f"{d}/" for d in file_set.whole_folders)))
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
    return WeightsReport(root, file_set.name, not missing and not problems, tuple(missing), tuple(problems),
                         checked=len(wanted), verified=verify_hashes)

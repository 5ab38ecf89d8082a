"""The three-way merge of an edit that crossed someone else's save."""

from dataclasses import dataclass
from typing import Any, Literal


@dataclass(frozen=True)
class MergedField:
    name: str
    theirs: Any
    yours: Any
    # Whose value the merge kept: only they changed it, only you did, or both did
    # (then yours is kept, and the user should check it).
    side: Literal["theirs", "yours", "both"]


def merge(
    original: dict[str, Any], theirs: dict[str, Any], yours: dict[str, Any]
) -> tuple[dict[str, Any], list[MergedField]]:
    """Merge `yours` (the form) and `theirs` (saved since) from `original` (what the form
    was opened on). A field only one side changed takes that side's value; a field both
    changed to different values takes yours and is reported as "both". Returns the merged
    values and, for every field where the two versions differ, what happened to it.
    """
    merged, report = dict(theirs), []
    for name, value in yours.items():
        if value == theirs.get(name):
            continue
        if value == original.get(name):
            side = "theirs"
        else:
            merged[name] = value
            side = "both" if theirs.get(name) != original.get(name) else "yours"
        report.append(MergedField(name, theirs.get(name), value, side))
    return merged, report

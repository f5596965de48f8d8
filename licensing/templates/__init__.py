"""Agreement texts, one module per template and language (``string.Template`` placeholders).

Texts live in code, not data files, so rendering needs no I/O and a text cannot change without
a commit; a changed text must get a new template version (hashes of signed agreements cover it).
"""

from __future__ import annotations

from licensing.templates import authorized_operation_en, authorized_operation_zh

TEXTS: dict[tuple[str, str], str] = {
    ("shudu-authorized-operation-1.0", "zh"): authorized_operation_zh.TEXT_1_0,
    ("shudu-authorized-operation-1.0", "en"): authorized_operation_en.TEXT_1_0,
    ("shudu-authorized-operation-1.1", "zh"): authorized_operation_zh.TEXT_1_1,
    ("shudu-authorized-operation-1.1", "en"): authorized_operation_en.TEXT_1_1,
}

"""Encryption at rest of ID numbers and bank account numbers (PIPL; MLPS level 3).

A value is sealed with AES-256-GCM under the current data key and a random 96-bit nonce,
and stored as text "<key id>:<base64(nonce + ciphertext + tag)>": a copied database, backup
or Parquet file shows nothing readable, and a changed value fails to open. Equality is
found without decrypting through a keyed digest (HMAC-SHA256 cut to 128 bits, hex), which
also carries the unique constraints the plain columns had.

Keys come from the environment (settings.DATA_KEYS, settings.SEARCH_KEY):
  JIUZHU_DATA_KEYS   "id:base64key,id:base64key" of 32-byte keys. The first seals new
                     values; all of them open old ones. Rotation: put a new key first,
                     run `jiuzhu rotate_data_key`, then drop the old key.
  JIUZHU_SEARCH_KEY  base64 of a 32-byte key for the digests. It is not rotated with the
                     data keys: a new one would change every digest at once (every unique
                     index rebuilt from decrypted values in one outage) and digests already
                     staged in department extracts would stop matching. A digest reveals
                     only that two values are equal, never the value.
Development (DEBUG) derives both from SECRET_KEY; elsewhere a missing or malformed key is
a system check error (also in `jiuzhu check --deploy`) and refuses every seal or open.
"""

import base64
import binascii
import functools
import hashlib
import hmac
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core import checks
from django.core.exceptions import FieldError
from django.db import models

KEY_BYTES = 32
NONCE_BYTES = 12
TAG_BYTES = 16
DIGEST_CHARS = 32  # 128 bits of HMAC-SHA256, in hex: collisions are out of reach
HMAC_BLOCK_BYTES = 64  # SHA-256's block; the search key (KEY_BYTES) is shorter
KEY_ID_MAX = 16
SEPARATOR = ":"
DEV_KEY_ID = "dev"


class CryptoError(Exception):
    """A value cannot be sealed or opened; the message (Chinese) says why."""


@dataclass(frozen=True)
class Keyring:
    current_id: str
    ciphers: dict[str, AESGCM]
    search_key: bytes


def _decode_key(text: str, name: str) -> bytes:
    try:
        key = base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise CryptoError(f"{name} 不是有效的 base64 编码。") from None
    if len(key) != KEY_BYTES:
        raise CryptoError(f"{name} 应为 {KEY_BYTES} 字节的随机密钥（base64 编码）。")
    return key


def _derived(purpose: str) -> bytes:
    """A development key: fixed for a SECRET_KEY, useless elsewhere."""
    return hashlib.sha256(f"jiuzhu-{purpose}:{settings.SECRET_KEY}".encode()).digest()


def parse_keyring(data_keys: str, search_key: str) -> Keyring:
    """The keyring from the two settings' texts (module docstring); CryptoError if wrong."""
    ciphers: dict[str, AESGCM] = {}
    for entry in filter(None, (part.strip() for part in data_keys.split(","))):
        key_id, separator, text = entry.partition(SEPARATOR)
        if not separator or not key_id or len(key_id) > KEY_ID_MAX or not key_id.isalnum():
            raise CryptoError(
                "JIUZHU_DATA_KEYS 的每一项应为“密钥编号:base64密钥”，"
                f"编号为1-{KEY_ID_MAX}位字母或数字。"
            )
        if key_id in ciphers:
            raise CryptoError(f"JIUZHU_DATA_KEYS 中密钥编号“{key_id}”重复。")
        ciphers[key_id] = AESGCM(_decode_key(text, f"JIUZHU_DATA_KEYS 中的密钥“{key_id}”"))
    if not ciphers:
        raise CryptoError("未设置 JIUZHU_DATA_KEYS（身份证号和银行账号的加密密钥）。")
    if not search_key.strip():
        raise CryptoError("未设置 JIUZHU_SEARCH_KEY（身份证号检索摘要的密钥）。")
    return Keyring(next(iter(ciphers)), ciphers, _decode_key(search_key, "JIUZHU_SEARCH_KEY"))


@functools.cache
def keyring() -> Keyring:
    """The keys in force (read once per process; tests clear the cache to swap them)."""
    if not settings.DATA_KEYS and settings.DEBUG:
        dev = base64.b64encode(_derived("data")).decode()
        return parse_keyring(f"{DEV_KEY_ID}:{dev}", base64.b64encode(_derived("search")).decode())
    return parse_keyring(settings.DATA_KEYS, settings.SEARCH_KEY)


# ---------------------------------------------------------------------------------------
# Sealing, opening and digests: one value or many (bulk loads and columnar paths)


def encrypt_many(values: Sequence[str]) -> list[str]:
    """Seal each value under the current key; "" stays "" (nothing to hide)."""
    ring = keyring()
    cipher = ring.ciphers[ring.current_id]
    head = f"{ring.current_id}{SEPARATOR}"
    nonces = os.urandom(NONCE_BYTES * len(values))  # one call for all: a syscall each costs
    sealed = []
    for i, value in enumerate(values):
        if not value:
            sealed.append("")
            continue
        nonce = nonces[i * NONCE_BYTES : (i + 1) * NONCE_BYTES]
        body = nonce + cipher.encrypt(nonce, value.encode(), None)
        sealed.append(head + base64.b64encode(body).decode())
    return sealed


def encrypt(value: str) -> str:
    return encrypt_many([value])[0]


def _open(ring: Keyring, stored: str) -> str:
    key_id, separator, text = stored.partition(SEPARATOR)
    cipher = ring.ciphers.get(key_id)
    if not separator or cipher is None:
        raise CryptoError(
            f"无法解密：数据由密钥“{key_id[:KEY_ID_MAX]}”加密，JIUZHU_DATA_KEYS 中没有该密钥。"
        )
    try:
        body = binascii.a2b_base64(text, strict_mode=True)  # b64decode's checks, faster
        return cipher.decrypt(body[:NONCE_BYTES], body[NONCE_BYTES:], None).decode()
    except (binascii.Error, ValueError, InvalidTag):
        raise CryptoError(f"无法解密：密钥“{key_id}”与数据不符（密钥错误或数据被篡改）。") from None


def decrypt_many(values: Iterable[str | None]) -> list[str]:
    """Open each sealed value; "" (or NULL) gives "".

    Values sealed under the current key (nearly all) are opened inline, without a call per
    value (a bank file opens two a line); any other, or one that fails, goes through _open,
    which also says why it cannot be opened."""
    ring = keyring()
    head = ring.current_id + SEPARATOR
    skip = len(head)
    open_current = ring.ciphers[ring.current_id].decrypt
    from_base64 = binascii.a2b_base64
    opened = []
    for value in values:
        if not value:
            opened.append("")
            continue
        if value.startswith(head):
            try:
                body = from_base64(value[skip:], strict_mode=True)
                opened.append(open_current(body[:NONCE_BYTES], body[NONCE_BYTES:], None).decode())
                continue
            except (binascii.Error, ValueError, InvalidTag):
                pass  # _open raises with the reason
        opened.append(_open(ring, value))
    return opened


def decrypt(value: str) -> str:
    # Not through decrypt_many: every value a queryset reads comes here one at a time.
    return _open(keyring(), value) if value else ""


def key_id_of(stored: str) -> str:
    """The id of the key a stored value was sealed with ("" for an empty value)."""
    return stored.partition(SEPARATOR)[0] if stored else ""


def digest_many(values: Iterable[str | None]) -> list[str]:
    """The search digest of each value; "" (or NULL) gives ""."""
    base = hmac.new(keyring().search_key, digestmod=hashlib.sha256)
    digests = []
    for value in values:
        if not value:
            digests.append("")
            continue
        mac = base.copy()  # the keyed state is computed once, not per value
        mac.update(value.encode())
        digests.append(mac.hexdigest()[:DIGEST_CHARS])
    return digests


def digest(value: str) -> str:
    return digest_many([value])[0]


# HMAC (RFC 2104) spelled out in SQL: SHA-256 of the key's outer pad and of the inner hash.
_HMAC_SQL = (
    "SELECT CASE WHEN v <> '' THEN"
    f" left(sha256($outer || unhex(sha256($inner || encode(v)))), {DIGEST_CHARS}) END AS d"
    " FROM batch"
)


@functools.cache
def _duckdb() -> duckdb.DuckDBPyConnection:
    """One in-memory DuckDB for the process: opening one costs more than digesting a batch."""
    return duckdb.connect()


def digest_array(values: pa.Array) -> pa.Array:
    """digest_many of a whole Arrow string column at once, null for a null or empty value.

    The same HMAC, computed by DuckDB's vectorised SHA-256 on all cores without the GIL:
    for a department extract of ten million rows the Python loop of digest_many was the
    slowest part of the import.
    """
    block = keyring().search_key.ljust(HMAC_BLOCK_BYTES, b"\0")
    with _duckdb().cursor() as con:  # a cursor per call: batches are digested side by side
        con.register("batch", pa.table({"v": pc.cast(values, pa.string())}))
        digests = con.sql(
            _HMAC_SQL,
            params={
                "inner": bytes(byte ^ 0x36 for byte in block),
                "outer": bytes(byte ^ 0x5C for byte in block),
            },
        ).to_arrow_table()
    return digests.column("d").combine_chunks()


# Files (uploaded case documents): a header naming the key, then nonce and ciphertext; the
# header is authenticated too, so a file cannot be passed off as sealed by another key.
FILE_MAGIC = b"JZSEALED1"


def encrypt_bytes(content: bytes) -> bytes:
    """A file's content sealed under the current key."""
    ring = keyring()
    key_id = ring.current_id.encode()
    head = FILE_MAGIC + bytes([len(key_id)]) + key_id
    nonce = os.urandom(NONCE_BYTES)
    return head + nonce + ring.ciphers[ring.current_id].encrypt(nonce, content, head)


def file_key_id(stored: bytes) -> str:
    """The id of the key a stored file was sealed with ("" for a plain file)."""
    if not stored.startswith(FILE_MAGIC):
        return ""
    length = stored[len(FILE_MAGIC)]
    start = len(FILE_MAGIC) + 1
    return stored[start : start + length].decode(errors="replace")


def decrypt_bytes(stored: bytes) -> bytes:
    """A stored file's content; a file stored before sealing began comes back as it is."""
    key_id = file_key_id(stored)
    if not key_id:
        return stored
    cipher = keyring().ciphers.get(key_id)
    if cipher is None:
        raise CryptoError(f"无法解密：文件由密钥“{key_id}”加密，JIUZHU_DATA_KEYS 中没有该密钥。")
    head_length = len(FILE_MAGIC) + 1 + len(key_id.encode())
    head, body = stored[:head_length], stored[head_length:]
    try:
        return cipher.decrypt(body[:NONCE_BYTES], body[NONCE_BYTES:], head)
    except InvalidTag:
        raise CryptoError(f"无法解密：密钥“{key_id}”与文件不符（密钥错误或文件被篡改）。") from None


def sealed_length(plain_max_length: int) -> int:
    """The longest stored text of a value of up to `plain_max_length` UTF-8 bytes."""
    body = NONCE_BYTES + plain_max_length + TAG_BYTES
    return KEY_ID_MAX + len(SEPARATOR) + 4 * -(-body // 3)


# ---------------------------------------------------------------------------------------
# Resealing stored rows: the first encryption of plain columns (migrations) and rotation


@dataclass(frozen=True)
class SealedColumn:
    """A sealed column of a table, with the column holding its digest if it has one."""

    table: str
    column: str
    digest_column: str = ""


def _open_or_plain(ring: Keyring, value: str) -> str:
    # A sealed text always has the separator; the plain values sealed here (ID and account
    # numbers written before encryption) never do.
    return _open(ring, value) if SEPARATOR in value else value


def stale_condition(column: str) -> str:
    """SQL: the column holds a value not sealed under the current key."""
    return f"{column} <> '' AND {column} NOT LIKE '{keyring().current_id}{SEPARATOR}%%'"


def reseal_chunk(
    cursor: Any, sealed: SealedColumn, after_id: int, chunk_size: int
) -> tuple[int, int]:
    """Seal under the current key the next `chunk_size` stale rows with an id above
    `after_id` (plain ones are sealed, others opened and sealed again), filling the digest
    where there is one. Returns the last id done and how many rows (0, 0: none left)."""
    table, column = sealed.table, sealed.column
    cursor.execute(
        f"SELECT id, {column} FROM {table} WHERE id > %s AND {stale_condition(column)} "
        "ORDER BY id LIMIT %s",
        [after_id, chunk_size],
    )
    rows = cursor.fetchall()
    if not rows:
        return 0, 0
    ring = keyring()
    plain = [_open_or_plain(ring, value) for _, value in rows]
    ids = [row_id for row_id, _ in rows]
    values: list[Iterable[Any]] = [encrypt_many(plain)]
    assignments = f"{column} = %s"
    if sealed.digest_column:
        values.append(digest_many(plain))
        assignments += f", {sealed.digest_column} = %s"
    cursor.executemany(
        f"UPDATE {table} SET {assignments} WHERE id = %s", list(zip(*values, ids, strict=True))
    )
    return int(ids[-1]), len(ids)


# ---------------------------------------------------------------------------------------
# Model fields


class EncryptedCharField(models.CharField):
    """Text sealed in the database, plain in Python. Only `isnull` can be looked up: equality
    goes through a `DigestField`, anything else (prefix, suffix) has no meaning on the
    sealed text. A queryset's `update()` seals too, but leaves digests as they were."""

    def __init__(self, *args: Any, plain_max_length: int = 32, **kwargs: Any) -> None:
        self.plain_max_length = plain_max_length
        kwargs["max_length"] = sealed_length(plain_max_length)
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        kwargs["plain_max_length"] = self.plain_max_length
        del kwargs["max_length"]
        return name, path, args, kwargs

    def get_lookup(self, lookup_name: str) -> Any:
        if lookup_name != "isnull":
            raise FieldError(f"{self.name} is encrypted: look it up by its digest field")
        return super().get_lookup(lookup_name)

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> str | None:
        return decrypt(value) if value else value

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        return encrypt(value) if value else value

    def formfield(self, **kwargs: Any) -> Any:
        return super().formfield(**{"max_length": self.plain_max_length, **kwargs})


class DigestField(models.CharField):
    """The search digest of another field of the model, set on every save."""

    def __init__(self, *args: Any, source: str = "", **kwargs: Any) -> None:
        self.source = source
        kwargs["max_length"] = DIGEST_CHARS
        kwargs["editable"] = False
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        kwargs["source"] = self.source
        del kwargs["max_length"]
        del kwargs["editable"]
        return name, path, args, kwargs

    def pre_save(self, model_instance: models.Model, add: bool) -> str:
        value = digest(getattr(model_instance, self.source) or "")
        setattr(model_instance, self.attname, value)
        return value


@checks.register(checks.Tags.security)
def check_keys(app_configs: Any, **kwargs: Any) -> list[checks.CheckMessage]:
    """Without usable keys nothing with an ID number can be read or written: refuse early."""
    try:
        keyring()
    except CryptoError as error:
        return [
            checks.Error(
                str(error),
                hint=(
                    '生成密钥：python -c "import base64, os; '
                    'print(base64.b64encode(os.urandom(32)).decode())"；'
                    "见 docs/deploy.md“密钥与轮换”。"
                ),
                id="jiuzhu.crypto.E001",
            )
        ]
    return []

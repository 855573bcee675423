"""Masking of reporters' personal data besides phone numbers (districts.validators.mask_phone)."""


def mask_email(value: str) -> str:
    """Return `z***@example.cn`: the first character of the local part and the domain."""
    if not value:
        return ""
    local, at, domain = value.rpartition("@")
    if not at or not local:
        return "*" * len(value)
    return f"{local[0]}***@{domain}"

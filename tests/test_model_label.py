"""The model label is shown, stored with each story and exported: it never carries a secret."""

from __future__ import annotations

import pytest

from coach.config import Settings


def _label(base_url: str | None) -> str:
    settings = Settings(_env_file=None, model="gpt-4o-mini", openai_base_url=base_url)  # type: ignore[call-arg]
    return settings.model_label


@pytest.mark.parametrize(
    ("base_url", "label"),
    [
        (None, "gpt-4o-mini at api.openai.com"),
        ("http://127.0.0.1:8080/v1", "gpt-4o-mini at http://127.0.0.1:8080/v1"),
        ("http://[::1]:8080/v1", "gpt-4o-mini at http://[::1]:8080/v1"),
        (
            "https://user:tok-secret@proxy.example:8443/v1?api-key=qk-secret#frag-secret",
            "gpt-4o-mini at https://proxy.example:8443/v1",
        ),
        (
            "https://:tok-secret@proxy.example/openai/v1",
            "gpt-4o-mini at https://proxy.example/openai/v1",
        ),
        ("https://proxy.example/v1?key=qk-secret", "gpt-4o-mini at https://proxy.example/v1"),
        ("user:tok-secret@proxy.example/v1", "gpt-4o-mini at a custom server"),
    ],
)
def test_the_label_keeps_the_server_and_drops_credentials(base_url: str | None, label: str) -> None:
    assert _label(base_url) == label

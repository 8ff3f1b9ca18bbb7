"""The one seam to a hosted or local model: build a chat model from settings.

Only this module imports `langchain_openai`. Everything above it takes a `BaseChatModel`, so tests
pass a fake and any OpenAI-compatible server (OpenAI, Azure, vLLM, Ollama, llama.cpp) is a
settings change.
"""

from __future__ import annotations

from typing import Any

from langchain_core.caches import BaseCache
from langchain_core.language_models import BaseChatModel
from pydantic import SecretStr

from coach.config import Settings
from coach.errors import no_model_configured

# Local servers ignore the key but the OpenAI client insists on one.
_LOCAL_KEY = SecretStr("sk-local-no-key")


def build_chat_model(
    settings: Settings,
    *,
    cache: BaseCache | None = None,
    http_client: Any = None,
    http_async_client: Any = None,
) -> BaseChatModel:
    """A `ChatOpenAI` for the configured server; retries are the pipeline's, not the SDK's."""
    if not settings.llm_configured:
        raise no_model_configured()
    from langchain_openai import ChatOpenAI  # imported here so the offline engine never loads it

    limit: dict[str, Any] = {}
    extra_body: dict[str, Any] = {}
    if settings.max_tokens_param == "max_tokens":
        # langchain-openai sends max_tokens as max_completion_tokens, which llama.cpp ignores.
        extra_body["max_tokens"] = settings.max_output_tokens
    else:
        limit["max_tokens"] = settings.max_output_tokens
    return ChatOpenAI(
        model=settings.model,
        api_key=settings.openai_api_key or _LOCAL_KEY,
        base_url=settings.openai_base_url,
        temperature=settings.temperature,
        timeout=settings.timeout_seconds,
        max_retries=0,
        extra_body=extra_body or None,
        cache=cache,
        http_client=http_client,
        http_async_client=http_async_client,
        **limit,
    )

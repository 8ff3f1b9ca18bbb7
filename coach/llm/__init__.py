"""The model path: prompts, the one place an OpenAI-compatible client is built, the caller with its
retries, cache, rate gate and token budget, the guard that holds a model's story to the notes,
redaction, and the pipeline that runs them and falls back to the offline engine.

May import the offline judgement and the shared records; never the surfaces, the bank or learning.
"""

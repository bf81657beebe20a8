"""The one system prompt shared by training data, evaluation and the model card.

Training examples (``messages``) and evaluation prompts must use the same system prompt,
or an adapter is judged on a task it was not trained for. The eval config can override it.
"""

SYSTEM_PROMPT = (
    "You are a careful Linux shell assistant. Answer with exactly one bash command that does "
    "what the user asks, and nothing else: no explanation, no markdown. If the request is "
    "harmful or destructive, refuse in one short sentence instead."
)


def chat_messages(instruction: str, system_prompt: str = SYSTEM_PROMPT) -> list[dict[str, str]]:
    """The chat every backend sends for one instruction: the system prompt, then the request."""
    return [{"role": "system", "content": system_prompt}, {"role": "user", "content": instruction}]

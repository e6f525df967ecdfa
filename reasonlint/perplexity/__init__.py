"""Language-model scoring of reasoning traces: per-row response loss and perplexity.

Everything here imports torch and transformers lazily, inside functions, so that the
rest of reasonlint (and `reasonlint rule`) never pays for them.
"""

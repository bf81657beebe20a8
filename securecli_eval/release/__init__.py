"""Release: the evidence checks, the model card, the Hub upload and W&B tracking of a gated run."""

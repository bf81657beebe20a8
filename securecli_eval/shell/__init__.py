"""Shell analysis: command extraction, syntax checks, parsing and the risk classifier."""

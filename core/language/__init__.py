"""Understanding Vietnamese as residents type it: normalisation, the sparse index, the matcher, evaluation, UI text."""

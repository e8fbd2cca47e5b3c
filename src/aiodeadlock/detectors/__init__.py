"""Pure decisions: from wait-for facts to findings. Testable on hand-built graphs."""

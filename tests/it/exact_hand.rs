//! Placeholder: tests land in a following commit.

package dev.agentplane.contracts;

/** Production runs use active versions only; debug runs may use drafts (builders only). */
public enum RunMode {
  PRODUCTION,
  DEBUG
}

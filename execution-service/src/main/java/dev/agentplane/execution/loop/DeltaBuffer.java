package dev.agentplane.execution.loop;

/**
 * Text a model streams, gathered between flushes: the call's thread appends, the worker drains it
 * into one {@code model.delta} event per flush, so a streamed answer costs a few events.
 */
final class DeltaBuffer {

  private final StringBuilder pending = new StringBuilder();

  synchronized void append(String text) {
    pending.append(text);
  }

  /** Everything appended since the last drain, or "" when nothing was. */
  synchronized String drain() {
    String text = pending.toString();
    pending.setLength(0);
    return text;
  }
}

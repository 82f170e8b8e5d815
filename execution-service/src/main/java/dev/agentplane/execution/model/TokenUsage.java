package dev.agentplane.execution.model;

/** Tokens a model call consumed, as the provider reported them (or the builtin rule counted). */
public record TokenUsage(long inputTokens, long outputTokens) {

  public static final TokenUsage NONE = new TokenUsage(0, 0);

  public long total() {
    return inputTokens + outputTokens;
  }

  public TokenUsage plus(TokenUsage other) {
    return new TokenUsage(inputTokens + other.inputTokens, outputTokens + other.outputTokens);
  }
}

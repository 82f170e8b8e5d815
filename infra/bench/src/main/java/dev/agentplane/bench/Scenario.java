package dev.agentplane.bench;

/** One benchmark scenario of the suite: it measures on the shared stack and reports. */
public interface Scenario {

  /** Short name, used with {@code --only}, e.g. {@code limits}. */
  String id();

  /** The number and name for it, e.g. {@code 1. Physical limits}. */
  String title();

  ScenarioReport run(BenchStack stack, BenchSettings settings) throws Exception;
}

package dev.agentplane.execution;

import io.micronaut.runtime.Micronaut;

/** Starts the execution service. */
public final class ExecutionApplication {

  private ExecutionApplication() {}

  public static void main(String[] args) {
    Micronaut.run(ExecutionApplication.class, args);
  }
}

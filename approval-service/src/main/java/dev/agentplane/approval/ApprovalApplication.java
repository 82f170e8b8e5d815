package dev.agentplane.approval;

import io.micronaut.runtime.Micronaut;

/** Starts the approval service. */
public final class ApprovalApplication {

  private ApprovalApplication() {}

  public static void main(String[] args) {
    Micronaut.run(ApprovalApplication.class, args);
  }
}

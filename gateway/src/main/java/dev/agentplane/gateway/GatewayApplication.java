package dev.agentplane.gateway;

import io.micronaut.runtime.Micronaut;

/** Starts the gateway service. */
public final class GatewayApplication {

  private GatewayApplication() {}

  public static void main(String[] args) {
    Micronaut.run(GatewayApplication.class, args);
  }
}

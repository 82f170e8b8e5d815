package dev.agentplane.registry;

import io.micronaut.runtime.Micronaut;

/** Starts the registry service. */
public final class RegistryApplication {

  private RegistryApplication() {}

  public static void main(String[] args) {
    Micronaut.run(RegistryApplication.class, args);
  }
}

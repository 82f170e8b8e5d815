package dev.agentplane.kit.config;

import io.micronaut.context.ApplicationContextBuilder;
import io.micronaut.context.ApplicationContextConfigurer;
import io.micronaut.context.annotation.ContextConfigurer;
import io.micronaut.context.env.AbstractPropertySourceLoader;
import io.micronaut.context.env.PropertySource;
import io.micronaut.context.env.yaml.YamlPropertySourceLoader;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Map;

/**
 * Gives every service the kit's shared defaults, below the service's own application.yml, and picks
 * the JWT key source: the JWKS URL when {@code AGENTPLANE_JWKS_URL} is set, else the HS256 dev
 * secret. Micronaut reads only the first application.yml on the classpath, so a library cannot ship
 * defaults through it; a context configurer runs for both {@code Micronaut.run} and tests.
 */
@ContextConfigurer
public final class ServiceKitContextConfigurer implements ApplicationContextConfigurer {

  static final String JWKS_URL_ENV = "AGENTPLANE_JWKS_URL";
  static final String JWKS_URL_PROPERTY = "agentplane.jwks.url";

  // Below application.yml (AbstractPropertySourceLoader.DEFAULT_POSITION): services override.
  private static final int KIT_DEFAULTS_ORDER = AbstractPropertySourceLoader.DEFAULT_POSITION - 100;

  @Override
  public void configure(ApplicationContextBuilder builder) {
    String jwksUrl = System.getProperty(JWKS_URL_PROPERTY, System.getenv(JWKS_URL_ENV));
    String keySource =
        jwksUrl == null || jwksUrl.isBlank() ? "agentplane-jwt-hs256" : "agentplane-jwt-jwks";
    builder.propertySources(
        load("agentplane-service-defaults", KIT_DEFAULTS_ORDER),
        load(keySource, KIT_DEFAULTS_ORDER + 1));
  }

  private static PropertySource load(String name, int order) {
    String resource = name + ".yml";
    try (InputStream input =
        ServiceKitContextConfigurer.class.getClassLoader().getResourceAsStream(resource)) {
      if (input == null) {
        throw new IllegalStateException("Service kit resource missing: " + resource);
      }
      Map<String, Object> values = new YamlPropertySourceLoader().read(resource, input);
      return PropertySource.of(name, values, order);
    } catch (IOException e) {
      throw new UncheckedIOException("Could not read " + resource, e);
    }
  }
}

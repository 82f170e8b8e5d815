package dev.agentplane.execution.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.agentplane.contracts.RunMode;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MutableHttpRequest;
import io.micronaut.http.client.HttpClient;
import io.micronaut.http.client.annotation.Client;
import io.micronaut.http.client.exceptions.HttpClientException;
import io.micronaut.http.client.exceptions.HttpClientResponseException;
import io.micronaut.http.uri.UriBuilder;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.net.URI;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * The registry, asked over HTTP as the tenant's {@code internal} service principal ({@link
 * ServiceTokens}): agent resolution for intake, secret values at call time. The caller's own rights
 * (who may start which run) are checked by the execution service before it asks.
 */
@Singleton
public class RegistryClient implements TenantSecrets {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int NAME_PAGE = 100;
  // The registry's agent names; anything else names no agent and is not sent in a URL path.
  private static final Pattern AGENT_NAME = Pattern.compile("^[a-z][a-z0-9-]{0,62}$");

  private final HttpClient http;
  private final ServiceTokens tokens;

  RegistryClient(@Client(id = "registry") HttpClient http, ServiceTokens tokens) {
    this.http = http;
    this.tokens = tokens;
  }

  /**
   * Resolves an agent, named by id or by name, to one version and every tool version it runs.
   *
   * @param version a version number, {@code active}, or null for the active version
   * @throws AgentNotResolvable when the agent or the pinned version does not exist, or cannot run
   *     in this mode
   */
  public AgentSnapshot resolve(String tenantId, String agent, String version, RunMode mode) {
    if (!isId(agent) && !AGENT_NAME.matcher(agent).matches()) {
      throw AgentNotResolvable.missing(agent);
    }
    String wanted =
        version == null && mode == RunMode.DEBUG
            ? newestUsableVersion(agentResource(tenantId, agent))
            : version;
    // The registry resolves by id or by name: one call either way.
    URI uri =
        UriBuilder.of("/v1/agents/" + agent + "/resolved")
            .queryParam("version", wanted == null ? "active" : wanted)
            .queryParam("mode", mode.name().toLowerCase(Locale.ROOT))
            .build();
    try {
      Optional<JsonNode> resolved = get(tenantId, uri);
      if (resolved.isPresent()) {
        return AgentSnapshot.of(resolved.get());
      }
      // The registry's 404 does not say which is missing: an agent that exists lacks the version.
      if (version != null && !version.equals("active")) {
        agentResource(tenantId, agent);
        throw AgentNotResolvable.missingVersion(agent, version);
      }
      throw AgentNotResolvable.missing(agent);
    } catch (HttpClientResponseException e) {
      if (e.getStatus() == HttpStatus.CONFLICT || e.getStatus() == HttpStatus.BAD_REQUEST) {
        return AgentSnapshot.failIfConflict(
            agent, e.getResponse().getBody(String.class).orElse(null));
      }
      throw unavailable(e);
    }
  }

  @Override
  public Optional<String> reveal(String tenantId, String name) {
    try {
      return get(tenantId, URI.create("/v1/secrets/" + name + "/value"))
          .map(body -> body.path("value").asText());
    } catch (HttpClientResponseException e) {
      throw unavailable(e);
    }
  }

  /**
   * What a debug run without a version runs: the agent's newest version that is not archived (a
   * draft being worked on, typically), as Bedrock Agents' test alias runs the working draft.
   */
  private static String newestUsableVersion(JsonNode agentResource) {
    int newest = 0;
    for (JsonNode summary : agentResource.path("versions")) {
      if (!"archived".equals(summary.path("status").asText())) {
        newest = Math.max(newest, summary.path("version").asInt());
      }
    }
    return newest == 0 ? null : String.valueOf(newest);
  }

  /**
   * The agent as the registry shows one resource (with its versions), named by id or name.
   *
   * @throws AgentNotResolvable when the tenant has no such agent
   */
  private JsonNode agentResource(String tenantId, String agent) {
    UUID id = isId(agent) ? UUID.fromString(agent) : idByName(tenantId, agent);
    return get(tenantId, URI.create("/v1/agents/" + id))
        .orElseThrow(() -> AgentNotResolvable.missing(agent));
  }

  private UUID idByName(String tenantId, String agent) {
    URI uri =
        UriBuilder.of("/v1/agents")
            .queryParam("name", agent)
            .queryParam("limit", NAME_PAGE)
            .build();
    JsonNode page = get(tenantId, uri).orElseThrow(() -> AgentNotResolvable.missing(agent));
    for (JsonNode item : page.path("items")) {
      if (agent.equals(item.path("name").asText())) {
        return UUID.fromString(item.path("id").asText());
      }
    }
    throw AgentNotResolvable.missing(agent);
  }

  private static boolean isId(String agent) {
    try {
      UUID.fromString(agent);
      return true;
    } catch (IllegalArgumentException byName) {
      return false;
    }
  }

  /** The JSON body, empty on 404; other 4xx/5xx are thrown. */
  private Optional<JsonNode> get(String tenantId, URI uri) {
    MutableHttpRequest<?> request =
        HttpRequest.GET(uri.toString()).bearerAuth(tokens.forTenant(tenantId));
    try {
      String body = http.toBlocking().retrieve(request, String.class);
      return Optional.of(JSON.readTree(body));
    } catch (HttpClientResponseException e) {
      if (e.getStatus() == HttpStatus.NOT_FOUND) {
        return Optional.empty();
      }
      if (e.getStatus().getCode() >= 500) {
        throw unavailable(e);
      }
      throw e;
    } catch (HttpClientException | IOException e) {
      throw new RegistryUnavailableException("The registry could not be asked: " + e, e);
    }
  }

  private static RegistryUnavailableException unavailable(HttpClientResponseException e) {
    return new RegistryUnavailableException(
        "The registry answered " + e.getStatus().getCode() + " " + e.getMessage(), e);
  }
}

package dev.agentplane.gateway.edge;

import dev.agentplane.kit.correlation.Correlation;
import dev.agentplane.kit.problem.Problem;
import dev.agentplane.kit.problem.ProblemType;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.MutableHttpResponse;
import io.micronaut.json.JsonMapper;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * Problem+json answers the gateway gives itself, from filters that answer before (or instead of) a
 * route: the same body the kit's error handler writes, so a client cannot tell which layer refused.
 */
@Singleton
public final class GatewayProblems {

  private final JsonMapper json;

  GatewayProblems(JsonMapper json) {
    this.json = json;
  }

  public MutableHttpResponse<byte[]> response(
      ProblemType type, String detail, HttpRequest<?> request) {
    Problem problem =
        new Problem(
            type.uri(),
            type.title(),
            type.status().getCode(),
            detail,
            request.getPath(),
            Correlation.currentRequestId(request),
            type.retryable(),
            null);
    try {
      return HttpResponse.<byte[]>status(type.status())
          .contentType(Problem.MEDIA_TYPE)
          .body(json.writeValueAsBytes(problem));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}

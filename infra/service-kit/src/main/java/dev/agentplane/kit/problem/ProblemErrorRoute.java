package dev.agentplane.kit.problem;

import io.micronaut.http.HttpHeaders;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.MutableHttpResponse;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Error;
import io.micronaut.http.server.exceptions.response.ErrorContext;
import io.micronaut.http.server.exceptions.response.ErrorResponseProcessor;

/**
 * Answers a service's {@link ProblemException} with the status of its problem type, wherever it was
 * thrown (a controller, a filter, a binder).
 *
 * <p>A global error route rather than an {@code ExceptionHandler} bean, for speed: Micronaut 4.10
 * finds an exception's handler with a {@code ClosestTypeArgumentQualifier}, which has no {@code
 * equals}, so the lookup never hits the bean context's cache and scans every bean definition for
 * each error answered. Under a flood of refused requests (the noisy-neighbour benchmark's 429s)
 * that scan was 14 % of the execution service's CPU. Error routes are checked first, from an array.
 */
@Controller
final class ProblemErrorRoute {

  private final ErrorResponseProcessor<?> errorResponses;

  ProblemErrorRoute(ErrorResponseProcessor<?> errorResponses) {
    this.errorResponses = errorResponses;
  }

  @Error(global = true, exception = ProblemException.class)
  HttpResponse<?> problem(HttpRequest<?> request, ProblemException exception) {
    MutableHttpResponse<?> response = HttpResponse.status(exception.type().status());
    if (exception instanceof TooManyRequestsException overQuota) {
      // Whole seconds, at least one: RFC 9110 § 10.2.3.
      response.header(
          HttpHeaders.RETRY_AFTER,
          String.valueOf(Math.max(1, (overQuota.retryAfter().toMillis() + 999) / 1000)));
    }
    return errorResponses.processResponse(
        ErrorContext.builder(request).cause(exception).errorMessage(exception.getMessage()).build(),
        response);
  }
}

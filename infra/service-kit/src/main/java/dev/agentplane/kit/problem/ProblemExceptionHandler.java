package dev.agentplane.kit.problem;

import io.micronaut.http.HttpHeaders;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.MutableHttpResponse;
import io.micronaut.http.annotation.Produces;
import io.micronaut.http.server.exceptions.ExceptionHandler;
import io.micronaut.http.server.exceptions.response.ErrorContext;
import io.micronaut.http.server.exceptions.response.ErrorResponseProcessor;
import jakarta.inject.Singleton;

/** Answers a service's {@link ProblemException} with the status of its problem type. */
@Singleton
@Produces
final class ProblemExceptionHandler implements ExceptionHandler<ProblemException, HttpResponse<?>> {

  private final ErrorResponseProcessor<?> errorResponses;

  ProblemExceptionHandler(ErrorResponseProcessor<?> errorResponses) {
    this.errorResponses = errorResponses;
  }

  @Override
  public HttpResponse<?> handle(HttpRequest request, ProblemException exception) {
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

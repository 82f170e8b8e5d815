package dev.agentplane.kit.problem;

import dev.agentplane.kit.correlation.Correlation;
import io.micronaut.context.annotation.Replaces;
import io.micronaut.core.convert.exceptions.ConversionErrorException;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.server.exceptions.response.Error;
import io.micronaut.http.server.exceptions.response.ErrorContext;
import io.micronaut.http.server.exceptions.response.JsonErrorResponseBodyProvider;
import jakarta.inject.Singleton;
import jakarta.validation.ConstraintViolation;
import jakarta.validation.ConstraintViolationException;
import jakarta.validation.ElementKind;
import jakarta.validation.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Writes every error the service answers with as RFC 9457 problem+json: the services' own {@link
 * ProblemException}s, bean-validation and JSON binding failures, the framework's 401/404/405/415,
 * and unexpected 5xx (whose detail never carries an exception message, SQL or stack trace).
 */
@Singleton
@Replaces(JsonErrorResponseBodyProvider.class)
final class ProblemResponses implements JsonErrorResponseBodyProvider<Problem> {

  private static final Pattern UNKNOWN_PROPERTY =
      Pattern.compile("Unknown property \\[([^\\]]+)\\]");
  private static final Pattern CONSTRAINT_IN_TEMPLATE =
      Pattern.compile("\\{(?:[\\w$]+\\.)*(\\w+)\\.message}");
  private static final Pattern CAMEL_HUMP = Pattern.compile("([a-z0-9])([A-Z])");

  @Override
  public String contentType() {
    return Problem.MEDIA_TYPE;
  }

  @Override
  public Problem body(ErrorContext context, HttpResponse<?> response) {
    Throwable cause = context.getRootCause().orElse(null);
    String instance = context.getRequest().getPath();
    String requestId = Correlation.currentRequestId(context.getRequest());
    if (cause instanceof ProblemException problem) {
      ProblemType type = problem.type();
      return new Problem(
          java.net.URI.create(ProblemType.TYPE_BASE + problem.typeSlug()),
          type.title(),
          type.status().getCode(),
          problem.getMessage(),
          instance,
          requestId,
          type.retryable(),
          problem.errors().isEmpty() ? null : problem.errors());
    }
    int status = response.code();
    if (status >= 500) {
      ProblemType type = ProblemType.forStatus(status);
      return problem(
          type,
          status,
          "The service could not complete the request; quote request id "
              + requestId
              + " when reporting it.",
          instance,
          requestId,
          List.of());
    }
    if (cause instanceof ConstraintViolationException violations) {
      return problem(
          ProblemType.INVALID_REQUEST,
          status,
          "The request has invalid fields.",
          instance,
          requestId,
          fieldErrors(violations));
    }
    Matcher unknown = cause == null ? null : unknownProperty(cause);
    if (unknown != null) {
      String property = unknown.group(1);
      return problem(
          ProblemType.INVALID_REQUEST,
          status,
          "The request body has a property this API does not accept.",
          instance,
          requestId,
          List.of(
              new FieldError(
                  "/" + property,
                  "unknown_property",
                  "'" + property + "' is not a known property")));
    }
    if (cause instanceof ConversionErrorException conversion) {
      String argument = conversion.getArgument().getName();
      return problem(
          ProblemType.INVALID_REQUEST,
          status,
          "The request could not be read.",
          instance,
          requestId,
          List.of(new FieldError("/" + argument, "invalid_value", firstMessage(context))));
    }
    ProblemType type = ProblemType.forStatus(status);
    if (status == 400 && cause != null) {
      type = ProblemType.MALFORMED_REQUEST;
    }
    return problem(type, status, firstMessage(context), instance, requestId, List.of());
  }

  private static Problem problem(
      ProblemType type,
      int status,
      String detail,
      String instance,
      String requestId,
      List<FieldError> errors) {
    return new Problem(
        type.uri(),
        type.title(),
        status,
        detail,
        instance,
        requestId,
        type.retryable(),
        errors.isEmpty() ? null : errors);
  }

  private static String firstMessage(ErrorContext context) {
    return context.getErrors().stream().map(Error::getMessage).findFirst().orElse(null);
  }

  private static Matcher unknownProperty(Throwable cause) {
    for (Throwable t = cause; t != null; t = t.getCause()) {
      if (t.getMessage() != null) {
        Matcher matcher = UNKNOWN_PROPERTY.matcher(t.getMessage());
        if (matcher.find()) {
          return matcher;
        }
      }
      if (t.getCause() == t) {
        break;
      }
    }
    return null;
  }

  private static List<FieldError> fieldErrors(ConstraintViolationException exception) {
    List<FieldError> errors = new ArrayList<>();
    for (ConstraintViolation<?> violation : exception.getConstraintViolations()) {
      errors.add(
          new FieldError(
              pointer(violation.getPropertyPath()), code(violation), violation.getMessage()));
    }
    errors.sort(java.util.Comparator.comparing(FieldError::pointer));
    return errors;
  }

  /**
   * Turns {@code create.request.tools[2].name} into {@code /tools/2/name}: the method and the body
   * parameter are not part of the document the client sent.
   */
  private static String pointer(Path path) {
    List<Path.Node> nodes = new ArrayList<>();
    path.forEach(nodes::add);
    int skip = 0;
    if (!nodes.isEmpty() && nodes.get(0).getKind() == ElementKind.METHOD) {
      skip = nodes.size() > 2 ? 2 : 1;
    }
    StringBuilder pointer = new StringBuilder();
    for (Path.Node node : nodes.subList(skip, nodes.size())) {
      // A container element ("<list element>") contributes only its position, never its name.
      if (node.getName() != null && node.getKind() != ElementKind.CONTAINER_ELEMENT) {
        pointer.append('/').append(node.getName());
      }
      if (node.getIndex() != null) {
        pointer.append('/').append(node.getIndex());
      } else if (node.getKey() != null) {
        pointer.append('/').append(node.getKey());
      }
    }
    return pointer.isEmpty() ? "/" : pointer.toString();
  }

  /**
   * {@code not_blank} from the template {@code {jakarta.validation.constraints.NotBlank.message}}:
   * Micronaut's validator does not expose the constraint annotation itself.
   */
  private static String code(ConstraintViolation<?> violation) {
    Matcher constraint = CONSTRAINT_IN_TEMPLATE.matcher(violation.getMessageTemplate());
    if (!constraint.find()) {
      return "invalid";
    }
    return CAMEL_HUMP
        .matcher(constraint.group(1))
        .replaceAll("$1_$2")
        .toLowerCase(java.util.Locale.ROOT);
  }
}

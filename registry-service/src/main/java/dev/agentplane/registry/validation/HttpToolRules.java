package dev.agentplane.registry.validation;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.HashSet;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/** The rules for an HTTP tool's {@code http} block: target, placeholders, headers, secrets. */
final class HttpToolRules {

  // RFC 9110 §5.6.2: a field name is a token.
  private static final Pattern HEADER_NAME = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]+");

  // Headers the HTTP client owns (framing, connection management, routing): a spec that sets them
  // could smuggle requests or reach another virtual host than its URL names.
  private static final Set<String> FORBIDDEN_HEADERS =
      Set.of(
          "host",
          "content-length",
          "transfer-encoding",
          "connection",
          "keep-alive",
          "upgrade",
          "te",
          "trailer",
          "expect",
          "proxy-authorization",
          "proxy-connection");

  private static final Set<String> IDEMPOTENT_METHODS = Set.of("GET", "PUT", "DELETE");

  private HttpToolRules() {}

  static void check(JsonNode spec, JsonNode http, ValidationRun run) {
    Set<String> declared = declaredParameters(spec);
    SpecFields.text(http, "url").ifPresent(url -> checkUrl(url, declared, run));
    SpecFields.object(http, "headers").ifPresent(headers -> checkHeaders(headers, declared, run));
    SpecFields.text(http, "body")
        .ifPresent(
            body -> {
              SpecPointer at = SpecPointer.of("http", "body");
              refuseSecretOutsideHeaders(body, at, run);
              refuseUndeclared(TemplateText.placeholders(body), declared, at, run);
            });
    warnIfUnsafeWithoutApproval(spec, http, run);
  }

  /** The argument names the tool's inputSchema declares, which placeholders may use. */
  private static Set<String> declaredParameters(JsonNode spec) {
    return SpecFields.object(spec, "inputSchema")
        .flatMap(schema -> SpecFields.object(schema, "properties"))
        .map(
            properties -> {
              Set<String> names = new HashSet<>();
              properties.fieldNames().forEachRemaining(names::add);
              return names;
            })
        .orElse(Set.of());
  }

  private static void checkUrl(String url, Set<String> declared, ValidationRun run) {
    SpecPointer at = SpecPointer.of("http", "url");
    refuseSecretOutsideHeaders(url, at, run);
    refuseUndeclared(TemplateText.placeholders(url), declared, at, run);
    switch (UrlReading.ofTemplate(url)) {
      case UrlReading.Invalid invalid ->
          run.add(ValidationCode.TOOL_HTTP_URL_INVALID, at, invalid.reason());
      case UrlReading.HostTemplated templated ->
          run.add(
              ValidationCode.TOOL_HTTP_HOST_TEMPLATED,
              at,
              "placeholders may fill the path and query but not the host or port: arguments"
                  + " must not choose whom the platform calls");
      case UrlReading.Host host ->
          ToolSpecRules.refuseBlockedHost(
              host.host(), ValidationCode.TOOL_HTTP_HOST_NOT_ALLOWED, at, run);
    }
  }

  private static void checkHeaders(JsonNode headers, Set<String> declared, ValidationRun run) {
    for (Iterator<Map.Entry<String, JsonNode>> fields = headers.fields(); fields.hasNext(); ) {
      Map.Entry<String, JsonNode> header = fields.next();
      String name = header.getKey();
      SpecPointer at = SpecPointer.of("http", "headers", name);
      if (!HEADER_NAME.matcher(name).matches()) {
        run.add(
            ValidationCode.TOOL_HTTP_HEADER_NAME_INVALID,
            at,
            "'" + TemplateText.abbreviated(name) + "' is not a valid HTTP header name");
      } else if (FORBIDDEN_HEADERS.contains(name.toLowerCase(Locale.ROOT))
          || name.toLowerCase(Locale.ROOT).startsWith("proxy-")) {
        run.add(
            ValidationCode.TOOL_HTTP_HEADER_FORBIDDEN,
            at,
            "the HTTP client sets '" + name + "' itself; a tool may not");
      }
      if (!header.getValue().isTextual()) {
        continue; // the shape check reported it
      }
      String value = header.getValue().textValue();
      if (value.indexOf('\r') >= 0 || value.indexOf('\n') >= 0 || value.indexOf('\0') >= 0) {
        run.add(
            ValidationCode.TOOL_HTTP_HEADER_VALUE_INVALID,
            at,
            "a header value must not contain CR, LF or NUL (header injection)");
      }
      for (TemplateText.SecretReference reference : TemplateText.secretReferences(value)) {
        switch (reference) {
          case TemplateText.SecretReference.WellFormed wellFormed ->
              ToolSpecRules.requireSecret(wellFormed.secretName(), at, run);
          case TemplateText.SecretReference.Malformed malformed ->
              run.add(
                  ValidationCode.SECRET_REFERENCE_MALFORMED,
                  at,
                  "'"
                      + malformed.text()
                      + "' is not a secret reference; write {{secret:NAME}} with NAME like"
                      + " API_TOKEN");
        }
      }
      refuseUndeclared(TemplateText.placeholdersOutsideSecretReferences(value), declared, at, run);
    }
  }

  // URLs end up in access logs and bodies in traces; only headers are treated as sensitive.
  private static void refuseSecretOutsideHeaders(String text, SpecPointer at, ValidationRun run) {
    if (TemplateText.mentionsSecret(text)) {
      run.add(
          ValidationCode.SECRET_REFERENCE_MISPLACED,
          at,
          "secrets may only be referenced in headers, where they are kept out of logs");
    }
  }

  private static void refuseUndeclared(
      Set<String> used, Set<String> declared, SpecPointer at, ValidationRun run) {
    for (String name : used) {
      if (!declared.contains(name)) {
        run.add(
            ValidationCode.TOOL_HTTP_PLACEHOLDER_UNDECLARED,
            at,
            "{" + name + "} is not a property of the tool's inputSchema");
      }
    }
  }

  private static void warnIfUnsafeWithoutApproval(JsonNode spec, JsonNode http, ValidationRun run) {
    boolean idempotent =
        SpecFields.bool(http, "idempotent")
            .orElseGet(
                () ->
                    SpecFields.text(http, "method").map(IDEMPOTENT_METHODS::contains).orElse(true));
    if (!idempotent && SpecFields.text(spec, "approval").filter("never"::equals).isPresent()) {
      run.add(
          ValidationCode.TOOL_HTTP_UNSAFE_WITHOUT_APPROVAL,
          SpecPointer.of("approval"),
          "a non-idempotent call that no one approves may repeat its effect when a run retries;"
              + " consider \"always\" or an approval schema");
    }
  }
}

package dev.agentplane.registry.validation;

import static dev.agentplane.registry.validation.InMemoryRegistry.TENANT;
import static dev.agentplane.registry.validation.InMemoryRegistry.aRegistry;
import static dev.agentplane.registry.validation.ReportAssert.assertThatReport;
import static dev.agentplane.registry.validation.ReportAssert.issue;
import static dev.agentplane.registry.validation.ToolSpecBuilder.aTool;
import static dev.agentplane.registry.validation.ValidationCode.*;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** An HTTP tool's URL, placeholders, headers, secrets, SSRF guard and idempotency. */
class HttpToolValidationTest {

  private final SpecValidator validator = new SpecValidator();
  private final InMemoryRegistry registry = aRegistry().withSecret(ToolSpecBuilder.SECRET);

  private ValidationReport validate(JsonNode spec) {
    return validator.validateTool(TENANT, spec, ValidationPurpose.CHECK, registry);
  }

  @Test
  void aRelativeUrlIsInvalid() {
    assertThatReport(validate(aTool().url("/v1/cities/{city}").build()))
        .hasOnlyError(TOOL_HTTP_URL_INVALID, "/http/url");
  }

  @Test
  void aUrlWithAnotherSchemeThanHttpIsInvalid() {
    assertThatReport(validate(aTool().url("file:///etc/passwd").build()))
        .hasOnlyError(TOOL_HTTP_URL_INVALID, "/http/url");
  }

  @Test
  void aUrlWithCredentialsIsInvalid() {
    assertThatReport(validate(aTool().url("https://bob:hunter2@api.weather.example/").build()))
        .hasOnlyError(TOOL_HTTP_URL_INVALID, "/http/url");
    assertThatReport(validate(aTool().url("http://bob:hunter2@127.1/").build()))
        .hasOnlyError(TOOL_HTTP_URL_INVALID, "/http/url");
  }

  @Test
  void aPlaceholderInTheHostIsRefusedBecauseArgumentsWouldChooseTheTarget() {
    assertThatReport(validate(aTool().url("https://{city}.weather.example/now").build()))
        .hasOnlyError(TOOL_HTTP_HOST_TEMPLATED, "/http/url");
  }

  @Test
  void aPlaceholderInThePortIsRefusedToo() {
    assertThatReport(validate(aTool().url("https://api.weather.example:{city}/now").build()))
        .hasOnlyError(TOOL_HTTP_HOST_TEMPLATED, "/http/url");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "http://127.0.0.1/admin",
        "http://localhost:8080/",
        "http://LOCALHOST./",
        "http://api.localhost/",
        "http://169.254.169.254/latest/meta-data/",
        "http://metadata.google.internal/computeMetadata/v1/",
        "http://10.0.0.1/",
        "http://172.16.5.4/",
        "http://192.168.1.1/",
        "http://0.0.0.0/",
        "http://224.0.0.1/",
        "http://2130706433/",
        "http://127.1/admin",
        "http://0x7f.1/admin",
        "http://017700000001/",
        "http://127.0.0.1./",
        "http://10.1:8080/",
        "http://[::1]/",
        "http://[::]/",
        "http://[fe80::1]/",
        "http://[fd00:ec2::254]/",
        "http://[ff02::1]/",
        "http://[::ffff:127.0.0.1]/",
        "http://[::ffff:a9fe:a9fe]/",
        "http://[64:ff9b::10.0.0.1]/"
      })
  void aUrlAimedAtAPrivateOrSpecialHostIsNotAllowed(String url) {
    assertThatReport(validate(aTool().url(url).build()))
        .hasOnlyError(TOOL_HTTP_HOST_NOT_ALLOWED, "/http/url");
  }

  @Test
  void aPrivateHostTheTenantAllowlistedIsAccepted() {
    registry.allowingHost("weather.internal").allowingHost("10.0.0.7").allowingHost("[::1]");
    assertThatReport(validate(aTool().url("http://Weather.Internal/v1/{city}").build()))
        .hasNoErrors();
    assertThatReport(validate(aTool().url("http://10.0.0.7:8080/v1/{city}").build())).hasNoErrors();
    assertThatReport(validate(aTool().url("http://[::1]/v1/{city}").build())).hasNoErrors();
  }

  @Test
  void anAllowlistEntryCoversOnlyThatExactHost() {
    registry.allowingHost("10.0.0.7");
    assertThatReport(validate(aTool().url("http://10.0.0.8/v1/{city}").build()))
        .hasOnlyError(TOOL_HTTP_HOST_NOT_ALLOWED, "/http/url");
  }

  @Test
  void aPlaceholderInTheUrlThatTheInputSchemaDoesNotDeclareIsRefused() {
    assertThatReport(validate(aTool().url("https://api.weather.example/{country}/{city}").build()))
        .hasOnlyError(TOOL_HTTP_PLACEHOLDER_UNDECLARED, "/http/url")
        .errorMessageAt("/http/url", "{country}");
  }

  @Test
  void aPlaceholderInAHeaderThatTheInputSchemaDoesNotDeclareIsRefusedAtThatHeader() {
    assertThatReport(validate(aTool().header("X-Locale", "{locale}").build()))
        .hasOnlyError(TOOL_HTTP_PLACEHOLDER_UNDECLARED, "/http/headers/X-Locale");
  }

  @Test
  void aPlaceholderInTheBodyThatTheInputSchemaDoesNotDeclareIsRefusedAtTheBody() {
    JsonNode spec = aTool().post().approval("always").body("{\"q\": \"{query}\"}").build();
    assertThatReport(validate(spec)).hasOnlyError(TOOL_HTTP_PLACEHOLDER_UNDECLARED, "/http/body");
  }

  @Test
  void aJsonBodyWhoseBracesAreNotPlaceholdersIsAccepted() {
    JsonNode spec =
        aTool()
            .post()
            .approval("always")
            .body("{\"city\": \"{city}\", \"opts\": {\"a\": 1}}")
            .build();
    assertThatReport(validate(spec)).hasNoErrors();
  }

  @Test
  void aHeaderNameThatIsNotATokenIsInvalidAndItsPointerIsEscaped() {
    assertThatReport(validate(aTool().header("X/Weather Key", "1").build()))
        .hasOnlyError(TOOL_HTTP_HEADER_NAME_INVALID, "/http/headers/X~1Weather Key");
  }

  @Test
  void aHeaderTheHttpClientOwnsIsForbidden() {
    assertThatReport(validate(aTool().header("Host", "internal.example").build()))
        .hasOnlyError(TOOL_HTTP_HEADER_FORBIDDEN, "/http/headers/Host");
  }

  @Test
  void aHeaderValueWithALineBreakIsInvalid() {
    assertThatReport(validate(aTool().header("X-Trace", "1\r\nX-Admin: yes").build()))
        .hasOnlyError(TOOL_HTTP_HEADER_VALUE_INVALID, "/http/headers/X-Trace");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "Bearer {{secret:weather_token}}",
        "Bearer {{token}}",
        "Bearer {{secret:WEATHER_TOKEN}",
        "Bearer {{ secret:WEATHER_TOKEN }}"
      })
  void aDoubleBraceThatIsNotAWellFormedSecretReferenceIsMalformed(String value) {
    assertThatReport(validate(aTool().header("Authorization", value).build()))
        .hasOnlyError(SECRET_REFERENCE_MALFORMED, "/http/headers/Authorization");
  }

  @Test
  void aSecretTheTenantDoesNotHaveIsNotFound() {
    assertThatReport(validate(aTool().header("X-Api-Key", "{{secret:FORECAST_KEY}}").build()))
        .hasOnlyError(SECRET_NOT_FOUND, "/http/headers/X-Api-Key");
  }

  @Test
  void aSecretReferenceInTheUrlOrBodyIsMisplaced() {
    assertThatReport(
            validate(
                aTool()
                    .url("https://api.weather.example/{city}?key={{secret:WEATHER_TOKEN}}")
                    .build()))
        .hasError(SECRET_REFERENCE_MISPLACED, "/http/url");
    assertThatReport(
            validate(
                aTool()
                    .post()
                    .approval("always")
                    .body("{\"key\": \"{{secret:WEATHER_TOKEN}}\"}")
                    .build()))
        .hasOnlyError(SECRET_REFERENCE_MISPLACED, "/http/body");
  }

  @Test
  void aPostThatNoOneApprovesIsOnlyAWarning() {
    ValidationReport report = validate(aTool().post().build());
    assertThatReport(report)
        .hasNoErrors()
        .hasWarning(TOOL_HTTP_UNSAFE_WITHOUT_APPROVAL, "/approval");
  }

  @Test
  void aPostDeclaredIdempotentOrApprovedRaisesNoWarning() {
    assertThatReport(validate(aTool().post().set("/http/idempotent", true).build()))
        .hasNoErrors()
        .hasNoWarnings();
    assertThatReport(validate(aTool().post().approval("always").build()))
        .hasNoErrors()
        .hasNoWarnings();
  }

  @Test
  void aGetDeclaredNonIdempotentThatNoOneApprovesRaisesTheWarning() {
    assertThatReport(validate(aTool().set("/http/idempotent", false).build()))
        .hasWarning(TOOL_HTTP_UNSAFE_WITHOUT_APPROVAL, "/approval");
  }

  @Test
  void everyProblemOfOneToolIsReportedInPointerOrder() {
    JsonNode spec =
        aTool()
            .url("http://127.0.0.1/{country}")
            .header("X-Key", "{{secret:MISSING_KEY}}")
            .highRisk()
            .approval("never")
            .build();
    assertThatReport(validate(spec))
        .hasOnlyErrors(
            issue(TOOL_HIGH_RISK_WITHOUT_APPROVAL, "/approval"),
            issue(SECRET_NOT_FOUND, "/http/headers/X-Key"),
            issue(TOOL_HTTP_HOST_NOT_ALLOWED, "/http/url"),
            issue(TOOL_HTTP_PLACEHOLDER_UNDECLARED, "/http/url"));
  }
}

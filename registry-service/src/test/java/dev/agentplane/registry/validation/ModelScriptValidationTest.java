package dev.agentplane.registry.validation;

import static dev.agentplane.registry.validation.AgentSpecBuilder.anAgent;
import static dev.agentplane.registry.validation.InMemoryRegistry.TENANT;
import static dev.agentplane.registry.validation.InMemoryRegistry.aRegistry;
import static dev.agentplane.registry.validation.Json.json;
import static dev.agentplane.registry.validation.ReportAssert.assertThatReport;
import static dev.agentplane.registry.validation.ReportAssert.issue;
import static dev.agentplane.registry.validation.ToolSpecBuilder.aTool;
import static dev.agentplane.registry.validation.ValidationCode.*;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The builtin scripted model's script: its turns, tool calls and templates. */
class ModelScriptValidationTest {

  private final SpecValidator validator = new SpecValidator();
  private final InMemoryRegistry registry =
      aRegistry()
          .withSecret("OPENAI_KEY")
          .withActiveTool("weather", aTool().build())
          .withActiveTool("wire-money", aTool().post().highRisk().build());

  private ValidationReport check(JsonNode spec) {
    return validator.validateAgent(TENANT, "forecaster", spec, ValidationPurpose.CHECK, registry);
  }

  /** An assistant using the weather tool whose scripted model plays {@code script}. */
  private static JsonNode weatherAgentPlaying(String script) {
    return anAgent().usingTool("weather", 1).scripted(json(script)).build();
  }

  @Test
  void aScriptThatCallsToolsThenAnswersFromTheirResultsIsValid() {
    JsonNode spec =
        weatherAgentPlaying(
            """
            [
              {'toolCalls': [
                {'tool': 'weather', 'arguments': {'city': '{{input.city}}', 'units': 'metric'}},
                {'tool': 'weather', 'arguments': {'city': '{{input.trip.destination-city}}'}}
              ]},
              {'toolCalls': [{'tool': 'weather', 'arguments': {}}]},
              {'answer': {'summary': 'Here: {{tool.weather}}. Last: {{last}}', 'asked': '{{input}}',
                          'days': '{{input.days}}', 'tags': ['{x}', 'a } b', 42, null, true]}}
            ]
            """);
    assertThatReport(check(spec)).hasNoErrors().hasNoWarnings();
  }

  @Test
  void anAnswerMayBeAnyJsonValueButNull() {
    assertThatReport(check(weatherAgentPlaying("[{'answer': 42}]"))).hasNoErrors();
    assertThatReport(check(weatherAgentPlaying("[{'answer': ''}]"))).hasNoErrors();
    assertThatReport(check(weatherAgentPlaying("[{'answer': []}]"))).hasNoErrors();
    assertThatReport(check(weatherAgentPlaying("[{'answer': null}]")))
        .hasOnlyError(AGENT_MODEL_SCRIPT_INVALID, "/model/params/script/0/answer");
  }

  @Test
  void aScriptedModelMayDoWithoutAScriptAndAnyModelMayHaveOtherParams() {
    assertThatReport(check(anAgent().set("/model/name", "scripted").build()))
        .hasNoErrors()
        .hasNoWarnings();
    JsonNode openai =
        anAgent()
            .openai()
            .set("/model/apiKeySecret", "OPENAI_KEY")
            .set("/model/params", json("{'seed': 7, 'top_p': 0.9}"))
            .build();
    assertThatReport(check(openai)).hasNoErrors().hasNoWarnings();
  }

  @Test
  void paramsThatAreNotAnObjectAreAWrongType() {
    assertThatReport(check(anAgent().set("/model/params", "script").build()))
        .hasOnlyError(SPEC_WRONG_TYPE, "/model/params");
  }

  @Test
  void aScriptOnAnyOtherModelIsIgnoredWithAWarningAndNotChecked() {
    assertThatReport(check(anAgent().set("/model/params/script", "whatever").build()))
        .hasNoErrors()
        .hasWarning(AGENT_MODEL_SCRIPT_IGNORED, "/model/params/script");
    JsonNode openai =
        anAgent()
            .openai()
            .set("/model/apiKeySecret", "OPENAI_KEY")
            .set("/model/params/script", json("[{'answer': 'hi'}]"))
            .build();
    assertThatReport(check(openai))
        .hasNoErrors()
        .hasWarning(AGENT_MODEL_SCRIPT_IGNORED, "/model/params/script");
  }

  @Test
  void aScriptThatIsNotAnArrayIsInvalid() {
    assertThatReport(check(weatherAgentPlaying("{'answer': 'hi'}")))
        .hasOnlyError(AGENT_MODEL_SCRIPT_INVALID, "/model/params/script");
    assertThatReport(check(weatherAgentPlaying("null")))
        .hasOnlyError(AGENT_MODEL_SCRIPT_INVALID, "/model/params/script");
  }

  @Test
  void aScriptWithoutTurnsOrWithTooManyIsInvalidAsAWhole() {
    assertThatReport(check(weatherAgentPlaying("[]")))
        .hasOnlyError(AGENT_MODEL_SCRIPT_INVALID, "/model/params/script");

    ArrayNode tooLong = Json.array();
    for (int i = 0; i <= ModelScriptRules.MAX_TURNS; i++) {
      tooLong.add(json("{'answer': '{{broken'}"));
    }
    assertThatReport(check(anAgent().scripted(tooLong).build()))
        .hasOnlyError(AGENT_MODEL_SCRIPT_INVALID, "/model/params/script")
        .errorMessageAt("/model/params/script", "at most 64 turns");
  }

  @Test
  void aTurnMustBeAnObjectWithExactlyOneOfToolCallsOrAnAnswer() {
    JsonNode spec =
        weatherAgentPlaying(
            """
            [
              'hello',
              {'answer': 'a', 'toolCalls': [{'tool': 'weather', 'arguments': {}}]},
              {},
              {'answer': 'b', 'say': 'c'}
            ]
            """);
    assertThatReport(check(spec))
        .hasOnlyErrors(
            issue(AGENT_MODEL_SCRIPT_INVALID, "/model/params/script/0"),
            issue(AGENT_MODEL_SCRIPT_INVALID, "/model/params/script/1"),
            issue(AGENT_MODEL_SCRIPT_INVALID, "/model/params/script/2"),
            issue(AGENT_MODEL_SCRIPT_INVALID, "/model/params/script/3/say"));
  }

  @Test
  void toolCallsMustBeANonEmptyArrayOfAtMostSixteen() {
    ArrayNode seventeen = Json.array();
    for (int i = 0; i <= ModelScriptRules.MAX_TOOL_CALLS_PER_TURN; i++) {
      seventeen.add(json("{'tool': 'weather', 'arguments': {}}"));
    }
    ArrayNode script =
        Json.array()
            .add(json("{'toolCalls': []}"))
            .add(json("{'toolCalls': {}}"))
            .add(Json.object().set("toolCalls", seventeen));
    JsonNode spec = anAgent().usingTool("weather", 1).scripted(script).build();
    assertThatReport(check(spec))
        .hasOnlyErrors(
            issue(AGENT_MODEL_SCRIPT_INVALID, "/model/params/script/0/toolCalls"),
            issue(AGENT_MODEL_SCRIPT_INVALID, "/model/params/script/1/toolCalls"),
            issue(AGENT_MODEL_SCRIPT_INVALID, "/model/params/script/2/toolCalls"));
  }

  @Test
  void aToolCallNeedsAToolNameAndArgumentsObjectAndNothingElse() {
    JsonNode spec =
        weatherAgentPlaying(
            """
            [{'toolCalls': [
              'weather',
              {'arguments': {}},
              {'tool': 7, 'arguments': {}},
              {'tool': 'weather'},
              {'tool': 'weather', 'arguments': ['Oslo']},
              {'tool': 'weather', 'arguments': {}, 'id': 'call_1'}
            ]}]
            """);
    String calls = "/model/params/script/0/toolCalls";
    assertThatReport(check(spec))
        .hasOnlyErrors(
            issue(AGENT_MODEL_SCRIPT_INVALID, calls + "/0"),
            issue(AGENT_MODEL_SCRIPT_INVALID, calls + "/1/tool"),
            issue(AGENT_MODEL_SCRIPT_INVALID, calls + "/2/tool"),
            issue(AGENT_MODEL_SCRIPT_INVALID, calls + "/3/arguments"),
            issue(AGENT_MODEL_SCRIPT_INVALID, calls + "/4/arguments"),
            issue(AGENT_MODEL_SCRIPT_INVALID, calls + "/5/id"));
  }

  @Test
  void aToolCallOfAToolTheAgentDoesNotUseIsUnknownEvenIfTheTenantHasIt() {
    JsonNode spec =
        weatherAgentPlaying(
            """
            [{'toolCalls': [
              {'tool': 'weather', 'arguments': {'city': 'Oslo'}},
              {'tool': 'wire-money', 'arguments': {'amount': 10}}
            ]}, {'answer': 'done'}]
            """);
    assertThatReport(check(spec))
        .hasOnlyError(AGENT_MODEL_SCRIPT_UNKNOWN_TOOL, "/model/params/script/0/toolCalls/1/tool")
        .errorMessageAt("/model/params/script/0/toolCalls/1/tool", "wire-money");
  }

  @Test
  void aTemplateNamingAToolTheAgentDoesNotUseIsUnknownAtItsString() {
    assertThatReport(
            check(weatherAgentPlaying("[{'answer': {'text': 'Sent: {{tool.wire-money}}'}}]")))
        .hasOnlyError(AGENT_MODEL_SCRIPT_UNKNOWN_TOOL, "/model/params/script/0/answer/text");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "{{input",
        "Dear {{input.name}}, {{",
        "{{}}",
        "{{ input }}",
        "{{inputs}}",
        "{{input.}}",
        "{{input..city}}",
        "{{input.a b}}",
        "{{tool}}",
        "{{tool.}}",
        "{{tool.Weather}}",
        "{{last.city}}",
        "{{output}}",
        "{{secret:OPENAI_KEY}}",
        "{{{input}}}"
      })
  void aMalformedTemplateIsInvalidAtItsString(String text) {
    JsonNode answer = Json.object().set("lines", Json.array().add("fine").add(text));
    assertThatReport(
            check(
                anAgent().scripted(Json.array().add(Json.object().set("answer", answer))).build()))
        .hasOnlyError(AGENT_MODEL_SCRIPT_INVALID, "/model/params/script/0/answer/lines/1");
  }

  @Test
  void templatesInToolArgumentsAreCheckedAtTheArgument() {
    JsonNode spec =
        weatherAgentPlaying(
            "[{'toolCalls': [{'tool': 'weather', 'arguments': {'city': {'name': '{{city}}'}}}]}]");
    assertThatReport(check(spec))
        .hasOnlyError(
            AGENT_MODEL_SCRIPT_INVALID, "/model/params/script/0/toolCalls/0/arguments/city/name");
  }
}

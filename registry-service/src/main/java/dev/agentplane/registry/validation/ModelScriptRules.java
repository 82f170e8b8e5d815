package dev.agentplane.registry.validation;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Iterator;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The rules for the script of the builtin {@code scripted} model ({@code model.params.script}): the
 * turns it plays instead of a language model, each asking for tool calls or answering, with {@code
 * {{...}}} templates that execution fills from the run.
 */
final class ModelScriptRules {

  static final String SCRIPTED_MODEL = "scripted";
  static final int MAX_TURNS = 64;
  static final int MAX_TOOL_CALLS_PER_TURN = 16;

  private static final Set<String> TURN_MEMBERS = Set.of("toolCalls", "answer");
  private static final Set<String> TOOL_CALL_MEMBERS = Set.of("tool", "arguments");

  /** What may stand between the braces of a template; group 1 is a referenced tool's name. */
  private static final Pattern TEMPLATE =
      Pattern.compile("input(?:\\.[A-Za-z0-9_-]+)*|last|tool\\.([a-z][a-z0-9-]{0,62})");

  private static final String KNOWN_TEMPLATES =
      "{{input}}, {{input.<path>}}, {{tool.<tool-name>}} or {{last}}";

  private ModelScriptRules() {}

  /**
   * Checks the script of a {@code model} block, if it has one; {@code toolNames} are the agent's
   * {@code tools[].name}, the only tools a script may call.
   */
  static void check(JsonNode model, Set<String> toolNames, ValidationRun run) {
    Optional<JsonNode> params = SpecFields.object(model, "params");
    if (params.isEmpty() || !params.get().has("script")) {
      return;
    }
    SpecPointer at = SpecPointer.of("model", "params", "script");
    boolean scripted =
        SpecFields.text(model, "provider").filter("builtin"::equals).isPresent()
            && SpecFields.text(model, "name").filter(SCRIPTED_MODEL::equals).isPresent();
    if (!scripted) {
      run.add(
          ValidationCode.AGENT_MODEL_SCRIPT_IGNORED,
          at,
          "only the builtin \"scripted\" model plays a script; this model ignores it");
      return;
    }
    new ScriptCheck(toolNames, run).script(params.get().get("script"), at);
  }

  private record ScriptCheck(Set<String> toolNames, ValidationRun run) {

    void script(JsonNode script, SpecPointer at) {
      if (!script.isArray()) {
        invalid(at, "a script is an array of turns, not " + SpecShape.kindOf(script));
      } else if (script.isEmpty()) {
        invalid(at, "a script needs at least one turn");
      } else if (script.size() > MAX_TURNS) {
        // Reported once, not walked: the fix is to shorten it, whatever its turns say.
        invalid(at, "a script has at most " + MAX_TURNS + " turns, not " + script.size());
      } else {
        for (int i = 0; i < script.size(); i++) {
          turn(script.get(i), at.child(i));
        }
      }
    }

    private void turn(JsonNode turn, SpecPointer at) {
      if (!turn.isObject()) {
        invalid(
            at, "a turn is an object with toolCalls or an answer, not " + SpecShape.kindOf(turn));
        return;
      }
      refuseUnknownMembers(turn, TURN_MEMBERS, at, "a turn has toolCalls or an answer");
      boolean asksForTools = turn.has("toolCalls");
      boolean answers = turn.has("answer");
      if (asksForTools && answers) {
        invalid(at, "a turn either asks for tool calls or answers, not both");
      } else if (!asksForTools && !answers) {
        invalid(at, "a turn needs toolCalls or an answer");
      }
      if (asksForTools) {
        toolCalls(turn.get("toolCalls"), at.child("toolCalls"));
      }
      if (answers) {
        answer(turn.get("answer"), at.child("answer"));
      }
    }

    private void toolCalls(JsonNode calls, SpecPointer at) {
      if (!calls.isArray()) {
        invalid(at, "toolCalls is an array of {tool, arguments}, not " + SpecShape.kindOf(calls));
      } else if (calls.isEmpty()) {
        invalid(at, "a turn that asks for tool calls asks for at least one");
      } else if (calls.size() > MAX_TOOL_CALLS_PER_TURN) {
        invalid(
            at,
            "a turn asks for at most "
                + MAX_TOOL_CALLS_PER_TURN
                + " tool calls, not "
                + calls.size());
      } else {
        for (int j = 0; j < calls.size(); j++) {
          toolCall(calls.get(j), at.child(j));
        }
      }
    }

    private void toolCall(JsonNode call, SpecPointer at) {
      if (!call.isObject()) {
        invalid(at, "a tool call is an object {tool, arguments}, not " + SpecShape.kindOf(call));
        return;
      }
      refuseUnknownMembers(call, TOOL_CALL_MEMBERS, at, "a tool call has tool and arguments");
      JsonNode tool = call.get("tool");
      if (tool == null) {
        invalid(at.child("tool"), "a tool call names its tool");
      } else if (!tool.isTextual()) {
        invalid(at.child("tool"), "tool is a tool's name, not " + SpecShape.kindOf(tool));
      } else if (!toolNames.contains(tool.textValue())) {
        unknownTool(at.child("tool"), tool.textValue());
      }
      JsonNode arguments = call.get("arguments");
      if (arguments == null) {
        invalid(at.child("arguments"), "a tool call needs arguments, {} when there are none");
      } else if (!arguments.isObject()) {
        invalid(
            at.child("arguments"),
            "arguments is a JSON object, not " + SpecShape.kindOf(arguments));
      } else {
        templatesIn(arguments, at.child("arguments"));
      }
    }

    private void answer(JsonNode answer, SpecPointer at) {
      if (answer.isNull()) {
        invalid(at, "an answer may be any JSON value but null: a run's output is never null");
      } else {
        templatesIn(answer, at);
      }
    }

    /** Checks the templates of every string in the value; the spec's depth is bounded already. */
    private void templatesIn(JsonNode value, SpecPointer at) {
      if (value.isTextual()) {
        templates(value.textValue(), at);
      } else if (value.isObject()) {
        for (Iterator<Map.Entry<String, JsonNode>> members = value.fields(); members.hasNext(); ) {
          Map.Entry<String, JsonNode> member = members.next();
          templatesIn(member.getValue(), at.child(member.getKey()));
        }
      } else if (value.isArray()) {
        for (int i = 0; i < value.size(); i++) {
          templatesIn(value.get(i), at.child(i));
        }
      }
    }

    private void templates(String text, SpecPointer at) {
      int from = 0;
      int opening;
      while ((opening = text.indexOf("{{", from)) >= 0) {
        int closing = text.indexOf("}}", opening + 2);
        if (closing < 0) {
          invalid(
              at,
              "'"
                  + TemplateText.abbreviated(text.substring(opening))
                  + "' opens a template that is never closed");
          return;
        }
        Matcher template = TEMPLATE.matcher(text.substring(opening + 2, closing));
        if (!template.matches()) {
          invalid(
              at,
              "'"
                  + TemplateText.abbreviated(text.substring(opening, closing + 2))
                  + "' is not a template; templates are "
                  + KNOWN_TEMPLATES);
        } else if (template.group(1) != null && !toolNames.contains(template.group(1))) {
          unknownTool(at, template.group(1));
        }
        from = closing + 2;
      }
    }

    private void refuseUnknownMembers(
        JsonNode node, Set<String> known, SpecPointer at, String whatBelongs) {
      for (Iterator<String> names = node.fieldNames(); names.hasNext(); ) {
        String name = names.next();
        if (!known.contains(name)) {
          invalid(
              at.child(name),
              "'" + TemplateText.abbreviated(name) + "' is not known here; " + whatBelongs);
        }
      }
    }

    private void unknownTool(SpecPointer at, String toolName) {
      run.add(
          ValidationCode.AGENT_MODEL_SCRIPT_UNKNOWN_TOOL,
          at,
          "'" + TemplateText.abbreviated(toolName) + "' is not one of this agent's tools");
    }

    private void invalid(SpecPointer at, String message) {
      run.add(ValidationCode.AGENT_MODEL_SCRIPT_INVALID, at, message);
    }
  }
}

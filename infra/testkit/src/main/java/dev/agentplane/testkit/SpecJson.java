package dev.agentplane.testkit;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;

/** Specs written as JSON text in tests, with single quotes for readability. */
public final class SpecJson {

  private SpecJson() {}

  public static JsonNode json(String singleQuoted) {
    try {
      return ServiceApi.JSON.readTree(singleQuoted.replace('\'', '"'));
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("Test JSON does not parse: " + singleQuoted, e);
    }
  }
}

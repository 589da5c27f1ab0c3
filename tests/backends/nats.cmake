# NATS JetStream (issue 5): the EventBus contract (tests/unit/storage/
# event_bus_contract.h) and what is JetStream's own (buses in several
# processes, server-side deduplication, outages, authentication), against a
# nats-server that each test starts on a free loopback port (nats_server.h).
add_library(ocula_nats_test_server STATIC nats_server.cc)
target_link_libraries(ocula_nats_test_server PUBLIC ocula_core ocula_test_support)
target_include_directories(ocula_nats_test_server PUBLIC ${PROJECT_SOURCE_DIR}/tests/unit
                                                         ${CMAKE_CURRENT_SOURCE_DIR})

ocula_test(nats_event_bus_test
  SOURCES nats_event_bus_test.cc
  LIBS ocula_nats_test_server ocula_events PkgConfig::NATS
  LABELS integration)

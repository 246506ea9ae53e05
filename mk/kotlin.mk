# Kotlin/JVM SDK (kotlin/): uniffi bindings over the core + the generated Kotlin facade.
#
#   make kotlin        the jar target/kotlin/lib/everruns-sdk-kotlin.jar (classes + the native
#                      library at linux-x86-64/libeverruns_kotlin.so, loaded by JNA), with its
#                      runtime dependencies beside it (JNA, kotlinx-coroutines, kotlin-stdlib)
#                      named by its manifest's Class-Path
#   make test-kotlin   the jar + the JVM tests (kotlin/tests) against the real reference server
#
# Toolchain, installed here idempotently: kotlinc from the npm package `kotlin-compiler` (it
# ships kotlin-stdlib and kotlinx-coroutines-core-jvm) and JNA from Debian (`libjna-java`);
# OpenJDK 17 from the image. No Maven or Gradle.
KT_TARGET_DIR ?= $(if $(CARGO_TARGET_DIR),$(CARGO_TARGET_DIR),$(CURDIR)/target)
# The same target triple as the wheel and the Node addon, so a `make test` shares their
# release build of the core.
KT_RUST_TARGET ?= x86_64-unknown-linux-gnu
KT_OUT := $(KT_TARGET_DIR)/kotlin
KT_TOOLS := $(KT_TARGET_DIR)/kotlin-tools
KOTLIN_HOME := $(KT_TOOLS)/node_modules/kotlin-compiler
KOTLINC := bash $(KOTLIN_HOME)/bin/kotlinc -jvm-target 17 -nowarn
KT_COROUTINES := $(KOTLIN_HOME)/lib/kotlinx-coroutines-core-jvm.jar
KT_STDLIB := $(KOTLIN_HOME)/lib/kotlin-stdlib.jar
JNA_JAR := /usr/share/java/jna.jar
KT_LIBDIR := $(KT_OUT)/lib
KT_JAR := $(KT_LIBDIR)/everruns-sdk-kotlin.jar
KT_LIB := $(KT_TARGET_DIR)/$(KT_RUST_TARGET)/release/libeverruns_kotlin.so
KT_BINDGEN := $(KT_TARGET_DIR)/debug/uniffi-bindgen
KT_SERVER_BIN ?= $(KT_TARGET_DIR)/debug/everruns-server
# What an application needs beside the jar.
KT_DEPS_CP := $(JNA_JAR):$(KT_COROUTINES):$(KT_STDLIB)
KT_TEST_ARGS ?=

TEST_TARGETS += test-kotlin

.PHONY: kotlin kotlin-tools test-kotlin

$(KOTLIN_HOME)/bin/kotlinc:
	npm install --silent --no-audit --no-fund --prefix $(KT_TOOLS) kotlin-compiler@2.4.20

$(JNA_JAR):
	apt-get install -y libjna-java

kotlin-tools: $(KOTLIN_HOME)/bin/kotlinc $(JNA_JAR) ## Kotlin: kotlinc (npm) and JNA (Debian)

kotlin: kotlin-tools ## Kotlin/JVM SDK jar with the native library inside
	CARGO_TARGET_DIR=$(KT_TARGET_DIR) $(CARGO) build --release --target $(KT_RUST_TARGET) -p everruns-kotlin
	CARGO_TARGET_DIR=$(KT_TARGET_DIR) $(CARGO) build -p everruns-uniffi-bindgen
	rm -rf $(KT_OUT)/gen $(KT_OUT)/classes && mkdir -p $(KT_OUT)/classes/linux-x86-64
	$(KT_BINDGEN) generate $(KT_LIB) --language kotlin --out-dir $(KT_OUT)/gen --no-format --config kotlin/uniffi.toml
	$(KOTLINC) -cp $(JNA_JAR):$(KT_COROUTINES) -d $(KT_OUT)/classes $(KT_OUT)/gen kotlin/src/main/kotlin
	strip -o $(KT_OUT)/classes/linux-x86-64/libeverruns_kotlin.so $(KT_LIB)
	mkdir -p $(KT_LIBDIR) && cp $(JNA_JAR) $(KT_COROUTINES) $(KT_STDLIB) $(KT_LIBDIR)/
	printf 'Class-Path: jna.jar kotlinx-coroutines-core-jvm.jar kotlin-stdlib.jar\n' > $(KT_OUT)/manifest.txt
	rm -f $(KT_JAR) && jar --create --file $(KT_JAR) --manifest $(KT_OUT)/manifest.txt -C $(KT_OUT)/classes .
	@ls -l $(KT_JAR)

test-kotlin: kotlin ## Kotlin SDK tests on the JVM (tutorial flows, stream resilience, errors)
	CARGO_TARGET_DIR=$(KT_TARGET_DIR) $(CARGO) build -p everruns-server
	rm -rf $(KT_OUT)/tests.jar
	$(KOTLINC) -cp $(KT_JAR):$(KT_DEPS_CP) -d $(KT_OUT)/tests.jar kotlin/tests examples/kotlin
	EVERRUNS_SERVER_BIN=$(KT_SERVER_BIN) java -cp $(KT_JAR):$(KT_OUT)/tests.jar:$(KT_DEPS_CP) \
		com.everruns.sdk.tests.HarnessKt $(KT_TEST_ARGS)

# The README's Kotlin quick start compiles against the jar.
test-readme: kotlin
README_CHECK += --kotlin-dir $(KT_OUT)

package main

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"

	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/protobuf/types/known/structpb"
)

func TestEngineAddressIsTheLastPositionalArgument(t *testing.T) {
	cases := map[string][]string{
		"127.0.0.1:4000": {"127.0.0.1:4000"},
		"127.0.0.1:4001": {"--logtostderr", "-v=9", "--tracing", "http://x", "127.0.0.1:4001"},
		"127.0.0.1:4002": {"--logflow", "other", "127.0.0.1:4002"},
	}
	for want, args := range cases {
		got, err := engineAddressFromArgs(args)
		if err != nil || got != want {
			t.Errorf("engineAddressFromArgs(%q) = %q, %v; want %q", args, got, err, want)
		}
	}
	if _, err := engineAddressFromArgs([]string{"--tracing", "http://x"}); err == nil {
		t.Error("no positional argument: want an error")
	}
}

func TestFindPulumiSDKWalksUp(t *testing.T) {
	root := t.TempDir()
	sdk := filepath.Join(root, "node_modules", "@pulumi", "pulumi")
	if err := os.MkdirAll(sdk, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(sdk, "package.json"), []byte(`{"version":"3.0.0"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	deep := filepath.Join(root, "policy", "pack")
	if err := os.MkdirAll(deep, 0o755); err != nil {
		t.Fatal(err)
	}
	got, err := findPulumiSDK(deep)
	if err != nil || got != sdk {
		t.Fatalf("findPulumiSDK = %q, %v; want %q", got, err, sdk)
	}
	if _, err := findPulumiSDK(t.TempDir()); err == nil {
		t.Error("no node_modules anywhere above: want an error naming npm ci")
	}
}

func TestRuntimeOptions(t *testing.T) {
	opts, err := structpb.NewStruct(map[string]any{"typescript": false, "nodeargs": "--a=1  --b", "tsconfig": "t.json"})
	if err != nil {
		t.Fatal(err)
	}
	info := &pulumirpc.ProgramInfo{Options: opts}
	if got := optionString(info, "typescript"); got != "false" {
		t.Errorf("typescript = %q", got)
	}
	if got := nodeArgs(info); !reflect.DeepEqual(got, []string{"--a=1", "--b"}) {
		t.Errorf("nodeArgs = %q", got)
	}
	env := nodeEnv(info, "X=1")
	tail := env[len(env)-3:]
	if !reflect.DeepEqual(tail, []string{"PULUMI_NODEJS_TYPESCRIPT=false", "PULUMI_NODEJS_TSCONFIG_PATH=t.json", "X=1"}) {
		t.Errorf("nodeEnv tail = %q", tail)
	}
	if got := nodeEnv(nil)[len(nodeEnv(nil))-1]; got != "PULUMI_NODEJS_TYPESCRIPT=true" {
		t.Errorf("default typescript: %q", got)
	}
}

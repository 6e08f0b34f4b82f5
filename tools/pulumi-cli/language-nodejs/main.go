// Command pulumi-language-nodejs is a small Node.js language host for the Pulumi engine, written for this
// repository's offline test bed because the upstream host's Go module is not served by the Go module proxy.
//
// The engine starts it with its own gRPC address as the last argument and reads the port this process listens on
// from the first line of standard output. It serves the LanguageRuntime service of
// github.com/pulumi/pulumi/sdk/v3/proto/go:
//   - Run starts `node` on the run entry of the project's installed @pulumi/pulumi (cmd/run) with the flags that
//     entry documents (--monitor, --engine, --project, --stack, --dry-run, ...) and the configuration in the
//     PULUMI_CONFIG and PULUMI_CONFIG_SECRET_KEYS environment variables;
//   - RunPlugin starts a Node.js plugin: a policy pack (kind "analyzer") through cmd/run-policy-pack, any other
//     kind through cmd/run-plugin, streaming its output and exit code back;
//   - GetRequiredPlugins/GetRequiredPackages report none (plugins are found on PATH, never downloaded);
//   - InstallDependencies does nothing (npm ci is the repository's own step);
//   - GetProgramDependencies lists package.json dependencies with their installed versions; About reports node.
//
// Anything else answers Unimplemented.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"

	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/structpb"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "0.0.0-dev"

// userActionableExit is the exit code @pulumi/pulumi's run entry uses after it has already reported the error to
// the engine; the engine must then bail without printing a second message.
const userActionableExit = 32

type host struct {
	pulumirpc.UnimplementedLanguageRuntimeServer
	engineAddress string
	mu            sync.Mutex
	running       map[*exec.Cmd]struct{}
}

func main() {
	engineAddress, err := engineAddressFromArgs(os.Args[1:])
	if err != nil {
		fmt.Fprintln(os.Stderr, "pulumi-language-nodejs:", err)
		os.Exit(2)
	}
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, "pulumi-language-nodejs: listen:", err)
		os.Exit(1)
	}
	server := grpc.NewServer(grpc.MaxRecvMsgSize(400 * 1024 * 1024))
	h := &host{engineAddress: engineAddress, running: map[*exec.Cmd]struct{}{}}
	pulumirpc.RegisterLanguageRuntimeServer(server, h)
	// The engine reads the port from the first line of standard output.
	fmt.Printf("%d\n", listener.Addr().(*net.TCPAddr).Port)
	if err := server.Serve(listener); err != nil && !errors.Is(err, grpc.ErrServerStopped) {
		fmt.Fprintln(os.Stderr, "pulumi-language-nodejs: serve:", err)
		os.Exit(1)
	}
}

// engineAddressFromArgs returns the engine address: the last positional argument. Flags the engine may add before
// it (--logtostderr, -v=N, --logflow, --tracing URL) are skipped.
func engineAddressFromArgs(args []string) (string, error) {
	var positional []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--tracing" || a == "-tracing" || a == "--root" || a == "-root":
			i++ // flag with a separate value
		case strings.HasPrefix(a, "-"):
			// boolean flag or -flag=value
		default:
			positional = append(positional, a)
		}
	}
	if len(positional) == 0 {
		return "", errors.New("missing the engine address (expected as the last argument)")
	}
	return positional[len(positional)-1], nil
}

func (h *host) Handshake(
	_ context.Context, req *pulumirpc.LanguageHandshakeRequest,
) (*pulumirpc.LanguageHandshakeResponse, error) {
	if req.GetEngineAddress() != "" {
		h.engineAddress = req.GetEngineAddress()
	}
	return &pulumirpc.LanguageHandshakeResponse{}, nil
}

func (h *host) GetPluginInfo(context.Context, *emptypb.Empty) (*pulumirpc.PluginInfo, error) {
	return &pulumirpc.PluginInfo{Version: version}, nil
}

func (h *host) GetRequiredPlugins(
	context.Context, *pulumirpc.GetRequiredPluginsRequest,
) (*pulumirpc.GetRequiredPluginsResponse, error) {
	return &pulumirpc.GetRequiredPluginsResponse{}, nil
}

func (h *host) GetRequiredPackages(
	context.Context, *pulumirpc.GetRequiredPackagesRequest,
) (*pulumirpc.GetRequiredPackagesResponse, error) {
	return &pulumirpc.GetRequiredPackagesResponse{}, nil
}

func (h *host) InstallDependencies(
	_ *pulumirpc.InstallDependenciesRequest, stream grpc.ServerStreamingServer[pulumirpc.InstallDependenciesResponse],
) error {
	return stream.Send(&pulumirpc.InstallDependenciesResponse{
		Stdout: []byte("pulumi-language-nodejs: dependencies are installed by `npm ci`; nothing to do\n"),
	})
}

func (h *host) Cancel(context.Context, *emptypb.Empty) (*emptypb.Empty, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for cmd := range h.running {
		if cmd.Process != nil {
			_ = cmd.Process.Signal(os.Interrupt)
		}
	}
	return &emptypb.Empty{}, nil
}

// programDir returns the program directory of a request: ProgramInfo's when given, else pwd.
func programDir(info *pulumirpc.ProgramInfo, pwd string) string {
	if info != nil && info.GetProgramDirectory() != "" {
		return info.GetProgramDirectory()
	}
	if pwd != "" {
		return pwd
	}
	wd, _ := os.Getwd()
	return wd
}

// findPulumiSDK walks up from dir to the first node_modules/@pulumi/pulumi, as Node's module resolution would.
func findPulumiSDK(dir string) (string, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	for d := abs; ; d = filepath.Dir(d) {
		candidate := filepath.Join(d, "node_modules", "@pulumi", "pulumi")
		if st, err := os.Stat(filepath.Join(candidate, "package.json")); err == nil && !st.IsDir() {
			return candidate, nil
		}
		if filepath.Dir(d) == d {
			return "", fmt.Errorf("no node_modules/@pulumi/pulumi in %s or any parent directory; run `npm ci`", abs)
		}
	}
}

// optionString returns a runtime option (Pulumi.yaml runtime.options) as a string, or "" when absent.
func optionString(info *pulumirpc.ProgramInfo, key string) string {
	if info == nil || info.GetOptions() == nil {
		return ""
	}
	v, ok := info.GetOptions().GetFields()[key]
	if !ok {
		return ""
	}
	switch k := v.GetKind().(type) {
	case *structpb.Value_StringValue:
		return k.StringValue
	case *structpb.Value_BoolValue:
		return strconv.FormatBool(k.BoolValue)
	case *structpb.Value_NumberValue:
		return strconv.FormatFloat(k.NumberValue, 'f', -1, 64)
	default:
		return ""
	}
}

// nodeEnv is the environment of a node child: ours plus the TypeScript settings of the runtime options.
func nodeEnv(info *pulumirpc.ProgramInfo, extra ...string) []string {
	env := os.Environ()
	typescript := optionString(info, "typescript")
	if typescript == "" {
		typescript = "true" // the Node.js runtime's default
	}
	env = append(env, "PULUMI_NODEJS_TYPESCRIPT="+typescript)
	if tsconfig := optionString(info, "tsconfig"); tsconfig != "" {
		env = append(env, "PULUMI_NODEJS_TSCONFIG_PATH="+tsconfig)
	}
	return append(env, extra...)
}

// nodeArgs returns the runtime option nodeargs split on spaces (e.g. "--max-old-space-size=4096").
func nodeArgs(info *pulumirpc.ProgramInfo) []string {
	return strings.Fields(optionString(info, "nodeargs"))
}

func (h *host) track(cmd *exec.Cmd, on bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if on {
		h.running[cmd] = struct{}{}
	} else {
		delete(h.running, cmd)
	}
}

func (h *host) Run(ctx context.Context, req *pulumirpc.RunRequest) (*pulumirpc.RunResponse, error) {
	dir := programDir(req.GetInfo(), req.GetPwd())
	sdk, err := findPulumiSDK(dir)
	if err != nil {
		return &pulumirpc.RunResponse{Error: err.Error()}, nil
	}
	config, err := json.Marshal(req.GetConfig())
	if err != nil {
		return nil, status.Errorf(codes.InvalidArgument, "config: %v", err)
	}
	secretKeys := req.GetConfigSecretKeys()
	if secretKeys == nil {
		secretKeys = []string{}
	}
	secrets, err := json.Marshal(secretKeys)
	if err != nil {
		return nil, status.Errorf(codes.InvalidArgument, "configSecretKeys: %v", err)
	}

	args := append(nodeArgs(req.GetInfo()), filepath.Join(sdk, "cmd", "run"))
	args = append(args, "--monitor="+req.GetMonitorAddress(), "--engine="+h.engineAddress)
	if req.GetProject() != "" {
		args = append(args, "--project="+req.GetProject())
	}
	if req.GetStack() != "" {
		args = append(args, "--stack="+req.GetStack())
	}
	if req.GetOrganization() != "" {
		args = append(args, "--organization="+req.GetOrganization())
	}
	if req.GetPwd() != "" {
		args = append(args, "--pwd="+req.GetPwd())
	}
	if root := req.GetInfo().GetRootDirectory(); root != "" {
		args = append(args, "--root-directory="+root)
	}
	if req.GetDryRun() {
		args = append(args, "--dry-run")
	}
	if req.GetParallel() > 0 {
		args = append(args, "--parallel="+strconv.Itoa(int(req.GetParallel())))
	}
	program := dir
	if entry := req.GetInfo().GetEntryPoint(); entry != "" && entry != "." {
		program = filepath.Join(dir, entry)
	}
	args = append(args, program)
	args = append(args, req.GetArgs()...)

	cmd := exec.CommandContext(ctx, "node", args...)
	cmd.Dir = dir
	cmd.Env = nodeEnv(req.GetInfo(), "PULUMI_CONFIG="+string(config), "PULUMI_CONFIG_SECRET_KEYS="+string(secrets))
	cmd.Stdout = os.Stdout
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		return &pulumirpc.RunResponse{Error: fmt.Sprintf("could not start node: %v", err)}, nil
	}
	h.track(cmd, true)
	err = cmd.Wait()
	h.track(cmd, false)
	var exit *exec.ExitError
	switch {
	case err == nil:
		return &pulumirpc.RunResponse{}, nil
	case errors.As(err, &exit) && exit.ExitCode() == userActionableExit:
		return &pulumirpc.RunResponse{Bail: true}, nil
	case errors.As(err, &exit):
		return &pulumirpc.RunResponse{Error: fmt.Sprintf("program exited with code %d", exit.ExitCode())}, nil
	default:
		return &pulumirpc.RunResponse{Error: err.Error()}, nil
	}
}

// streamWriter forwards a child's output as RunPluginResponse messages.
type streamWriter struct {
	mu     *sync.Mutex
	stream grpc.ServerStreamingServer[pulumirpc.RunPluginResponse]
	stderr bool
}

func (w streamWriter) Write(p []byte) (int, error) {
	data := append([]byte(nil), p...)
	msg := &pulumirpc.RunPluginResponse{}
	if w.stderr {
		msg.Output = &pulumirpc.RunPluginResponse_Stderr{Stderr: data}
	} else {
		msg.Output = &pulumirpc.RunPluginResponse_Stdout{Stdout: data}
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if err := w.stream.Send(msg); err != nil {
		return 0, err
	}
	return len(p), nil
}

func (h *host) RunPlugin(
	req *pulumirpc.RunPluginRequest, stream grpc.ServerStreamingServer[pulumirpc.RunPluginResponse],
) error {
	dir := programDir(req.GetInfo(), req.GetPwd())
	sdk, err := findPulumiSDK(dir)
	if err != nil {
		return status.Error(codes.FailedPrecondition, err.Error())
	}
	var args []string
	args = append(args, nodeArgs(req.GetInfo())...)
	if req.GetKind() == "analyzer" {
		// run-policy-pack expects: <engine-address> <program>; the engine passes its address in Args.
		args = append(args, filepath.Join(sdk, "cmd", "run-policy-pack"))
		args = append(args, req.GetArgs()...)
		args = append(args, dir)
	} else {
		// run-plugin expects: <program> [args...]
		args = append(args, filepath.Join(sdk, "cmd", "run-plugin"), dir)
		args = append(args, req.GetArgs()...)
	}
	cmd := exec.CommandContext(stream.Context(), "node", args...)
	// A policy pack runs in its own directory: @pulumi/policy reads the pack's version from ./package.json.
	cmd.Dir = dir
	if req.GetKind() != "analyzer" && req.GetPwd() != "" {
		cmd.Dir = req.GetPwd()
	}
	cmd.Env = nodeEnv(req.GetInfo(), req.GetEnv()...)
	var mu sync.Mutex
	cmd.Stdout = streamWriter{mu: &mu, stream: stream}
	cmd.Stderr = streamWriter{mu: &mu, stream: stream, stderr: true}
	if err := cmd.Start(); err != nil {
		return status.Errorf(codes.Internal, "could not start node: %v", err)
	}
	h.track(cmd, true)
	err = cmd.Wait()
	h.track(cmd, false)
	code := 0
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		code = exit.ExitCode()
	} else if err != nil {
		return status.Errorf(codes.Internal, "plugin: %v", err)
	}
	mu.Lock()
	defer mu.Unlock()
	return stream.Send(&pulumirpc.RunPluginResponse{Output: &pulumirpc.RunPluginResponse_Exitcode{Exitcode: int32(code)}})
}

// packageJSON is the part of package.json this host reads.
type packageJSON struct {
	Version         string            `json:"version"`
	Dependencies    map[string]string `json:"dependencies"`
	DevDependencies map[string]string `json:"devDependencies"`
}

func readPackageJSON(path string) (*packageJSON, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var p packageJSON
	if err := json.Unmarshal(raw, &p); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &p, nil
}

func (h *host) GetProgramDependencies(
	_ context.Context, req *pulumirpc.GetProgramDependenciesRequest,
) (*pulumirpc.GetProgramDependenciesResponse, error) {
	dir := programDir(req.GetInfo(), req.GetPwd())
	pkg, err := readPackageJSON(filepath.Join(dir, "package.json"))
	if err != nil {
		return nil, status.Errorf(codes.FailedPrecondition, "package.json: %v", err)
	}
	names := make([]string, 0, len(pkg.Dependencies)+len(pkg.DevDependencies))
	for n := range pkg.Dependencies {
		names = append(names, n)
	}
	for n := range pkg.DevDependencies {
		if _, dup := pkg.Dependencies[n]; !dup {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	deps := make([]*pulumirpc.DependencyInfo, 0, len(names))
	for _, n := range names {
		installed, err := readPackageJSON(filepath.Join(dir, "node_modules", n, "package.json"))
		if err != nil {
			continue // declared but not installed: npm ci has not run
		}
		deps = append(deps, &pulumirpc.DependencyInfo{Name: n, Version: installed.Version})
	}
	return &pulumirpc.GetProgramDependenciesResponse{Dependencies: deps}, nil
}

func (h *host) About(ctx context.Context, _ *pulumirpc.AboutRequest) (*pulumirpc.AboutResponse, error) {
	node, err := exec.LookPath("node")
	if err != nil {
		return nil, status.Error(codes.FailedPrecondition, "node is not on PATH")
	}
	out, err := exec.CommandContext(ctx, node, "--version").Output()
	if err != nil {
		return nil, status.Errorf(codes.Internal, "node --version: %v", err)
	}
	return &pulumirpc.AboutResponse{
		Executable: node,
		Version:    strings.TrimPrefix(strings.TrimSpace(string(out)), "v"),
	}, nil
}

// streamWriter is an io.Writer for exec.Cmd.
var _ io.Writer = streamWriter{}

package server

import (
	"context"
	"fmt"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/mcp"
)

// Connect opens an in-process client session on the server, initialized
// and ready for calls: the same wiring stdio and HTTP clients meet, for the
// command-line modes. The caller closes it.
func (s *Server) Connect(ctx context.Context, name string) (*client.Client, error) {
	c, err := client.NewInProcessClient(s.mcp)
	if err != nil {
		return nil, err
	}
	if err := c.Start(ctx); err != nil {
		return nil, fmt.Errorf("starting in-process client: %w", err)
	}
	var init mcp.InitializeRequest
	init.Params.ProtocolVersion = mcp.LATEST_PROTOCOL_VERSION
	init.Params.ClientInfo = mcp.Implementation{Name: name, Version: s.version}
	if _, err := c.Initialize(ctx, init); err != nil {
		c.Close()
		return nil, fmt.Errorf("initializing in-process client: %w", err)
	}
	return c, nil
}

global using Slim.Testing;
global using static Slim.DataPlane.Tests.TestToken;

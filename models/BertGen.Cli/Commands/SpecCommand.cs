using System.CommandLine;
using BertGen.Cli.HuggingFace;

namespace BertGen.Cli.Commands;

/// <summary><c>bertgen spec DIR</c>: a <c>*.bert.json</c> for a HuggingFace folder whose architecture is not compiled in (<see cref="SpecWriter"/>).</summary>
internal sealed class SpecCommand : ICliCommand
{
    public Command Build(CliContext context)
    {
        var directory = new Argument<string>("dir")
        {
            Description = "A HuggingFace model folder: only its config.json is needed (sentence_bert_config.json or tokenizer_config.json, if there, give the token limit; the weights and tokenizer are not read).",
        };
        var output = new Option<string?>("--output", "-o") { Description = "Where to write the spec (default: NAME.bert.json in the current folder, from the folder's name).", HelpName = "FILE" };
        var typeName = new Option<string?>("--type-name") { Description = "The generated class's name (default: the folder's name in PascalCase).", HelpName = "NAME" };
        var ns = new Option<string>("--namespace") { Description = "The generated class's namespace.", DefaultValueFactory = _ => "BertGen.Models", HelpName = "NS" };
        var command = new Command("spec", "Write a *.bert.json spec for a HuggingFace model folder: its config.json plus a bertgen section (type name, the head its architecture implies, "
            + "inference shapes 1 × 16 … the model's limit and 8 × 128), ready to compile into a project that references BertGen.")
        {
            directory, output, typeName, ns,
        };
        command.SetAction(parse =>
        {
            string path = SpecWriter.Write(parse.GetValue(directory)!, parse.GetValue(output), parse.GetValue(typeName), parse.GetValue(ns)!, context.Console.Warn);
            context.Console.Output.WriteLine(path);
            return ExitCodes.Success;
        });
        return command;
    }
}

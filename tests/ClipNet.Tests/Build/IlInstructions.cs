using System.Reflection;
using System.Reflection.Emit;

namespace ClipNet.Tests.Build;

/// <summary>Walks a method body's IL opcode by opcode, for the tests that read compiled code.</summary>
static class IlInstructions
{
    static readonly Dictionary<short, OpCode> OpCodesByValue = typeof(OpCodes).GetFields(BindingFlags.Public | BindingFlags.Static)
        .Select(f => (OpCode)f.GetValue(null)!).ToDictionary(o => o.Value);

    /// <summary>Each instruction's opcode and the offset of its operand in <paramref name="il"/>.</summary>
    public static IEnumerable<(OpCode OpCode, int OperandOffset)> Read(byte[] il)
    {
        for (int i = 0; i < il.Length;)
        {
            short value = il[i] == 0xFE ? (short)(0xFE00 | il[i + 1]) : il[i];
            var opcode = OpCodesByValue[value];
            i += opcode.Size;
            yield return (opcode, i);
            i += opcode.OperandType switch
            {
                OperandType.InlineNone => 0,
                OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar => 1,
                OperandType.InlineVar => 2,
                OperandType.InlineI8 or OperandType.InlineR => 8,
                OperandType.InlineSwitch => 4 + 4 * BitConverter.ToInt32(il, i),
                _ => 4,
            };
        }
    }
}
